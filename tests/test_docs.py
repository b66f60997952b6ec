"""The generated API page (docs/api.md) is current and covers the public API and every command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def make_api():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_page_is_up_to_date(make_api):
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    assert page == make_api.render(), "docs/api.md is out of date: run python docs/make_api.py"


def test_api_page_covers_every_public_name_and_command(make_api):
    import ketasim

    text = make_api.render()
    for name in ketasim.__all__:
        assert f"### `ketasim.{name}`" in text, name
    commands = [path for path, _ in make_api.cli_commands()]
    assert {"ketasim run", "ketasim serve", "ketasim trial", "ketasim validate", "ketasim experiment run",
            "ketasim export sbml"} <= set(commands)
    for path in commands:
        assert f"### `{path}`" in text, path
    # options with their defaults, from the commands themselves
    assert "| `--port` | `8501` |" in text and "| `--host` | `127.0.0.1` |" in text
    assert "| `--dose` | `0.5 mg/kg` |" in text


def test_docstrings_reach_the_page(make_api):
    import ketasim

    text = make_api.render()
    first_line = ketasim.simulate.__doc__.strip().splitlines()[0]
    assert first_line in text
    assert "0x" not in text            # no memory addresses (the page must be reproducible)


def test_guide_commands_exist_and_parse(make_api):
    """Every `ketasim ...` line in the guide's code blocks names a real command, and its options parse."""
    import re
    import shlex

    import typer

    guide = (DOCS / "guide.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", guide, flags=re.S)
    lines = [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines() if ln.strip().startswith("ketasim ")]
    assert len(lines) >= 8
    commands = dict(make_api.cli_commands())
    for line in lines:
        words = shlex.split(line)
        path = next((p for p in sorted(commands, key=len, reverse=True) if words[:len(p.split())] == p.split()),
                    None)
        assert path is not None, line
        cmd = commands[path]
        args = words[len(path.split()):]
        cmd.make_context(path, args, parent=typer.Context(cmd))   # raises on an unknown option or a bad value
