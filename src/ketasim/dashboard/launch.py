"""Start the explorer's Streamlit server warm: `python -m ketasim.dashboard.launch run APP ...`.

Streamlit runs the app script in the server's own process, on the first page load. Left
to itself, the first visitor waits for everything a fresh process pays once: importing
JAX, ketasim and its libraries, assembling the model, reading the exported solve and its
compiled code, drawing the first figure (about 6 s warm). This launcher pays it before
the server starts listening: it simulates the default regimen's cascade once and draws it
(`warm`), which leaves the modules imported, the model built and the solve loaded in this
process, then hands its arguments to Streamlit's command line. The page's own result is
still computed by the app (its cache is Streamlit's); it now takes a fraction of a second.
A warm-up that fails is logged and skipped: the app reports the same failure to the user.
"""

from __future__ import annotations

import logging
import sys
import time

LOG = logging.getLogger("ketasim.explorer")


def warm() -> float:
    """Simulate the default regimen's cascade once in this process and draw its figure (the
    first matplotlib drawing of a process loads fonts and backends); seconds it took."""
    import io

    from .cascade import simulate_request
    from .figure import cascade_figure
    from .inputs import RegimenForm, build_request

    t0 = time.perf_counter()
    cascade = simulate_request(build_request(RegimenForm()))
    cascade_figure({"A": cascade}).savefig(io.BytesIO(), format="png")
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    """Warm this process, then run Streamlit's command line with `argv` (e.g. ['run', APP, ...])."""
    try:
        print(f"ketasim explorer: warmed up in {warm():.1f} s", file=sys.stderr)
    except Exception:  # noqa: BLE001  (the app shows the failure to the user; never block the server)
        LOG.exception("the explorer's warm-up failed; starting without it")
    from streamlit.web import cli as streamlit_cli

    return streamlit_cli.main(args=argv, prog_name="streamlit", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
