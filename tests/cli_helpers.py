"""Shared by the command-line tests: `ketasim ARGS` run in this process."""

from __future__ import annotations

import pytest

from ketasim.cli import main


def run_cli(capsys, *args: str) -> tuple[int, list[str]]:
    """`ketasim ARGS` in process: (exit status, non-empty stderr lines)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    err = capsys.readouterr().err
    return info.value.code, [ln for ln in err.splitlines() if ln.strip()]
