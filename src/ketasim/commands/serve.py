"""`ketasim serve`: the interactive explorer (Streamlit), bound to 127.0.0.1 by default.

Runs `python -m ketasim.dashboard.launch run <ketasim/dashboard/app.py>` (Streamlit's
`streamlit run`, after simulating the default regimen once so that the first page load
finds JAX, the model and the solve ready: `dashboard/launch.py`) as a child process from
an argument list (no shell), headless and without usage statistics, and forwards SIGTERM
and Ctrl-C to it so that stopping `ketasim serve` stops the server.
"""

from __future__ import annotations

import ipaddress
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import typer

from .common import err_console, fail, guard

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
LOOPBACK_NAMES = ("localhost",)
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def check_host(host: str) -> str:
    """The host as given if it is an IP address or a plain host name; InputError naming --host otherwise."""
    from ..errors import InputError

    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if _HOSTNAME.fullmatch(host or ""):
        return host
    raise InputError(f"--host: not an IP address or host name: {host!r}")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost' (the server is reachable from this machine only)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def streamlit_command(host: str, port: int, python: str = sys.executable, app: Path = APP) -> list[str]:
    """The argument list that starts the explorer on host:port (warmed up first: `dashboard.launch`)."""
    return [python, "-m", "ketasim.dashboard.launch", "run", str(app),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal"]


def run_child(cmd: Sequence[str]) -> int:
    """Run `cmd` until it exits; SIGTERM and Ctrl-C are passed on to it. Returns its exit status."""
    child = subprocess.Popen(list(cmd))

    def forward(signum, frame):
        child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (loopback by default)"),
    port: int = typer.Option(8501, "--port", help="TCP port"),
) -> None:
    """Open the interactive explorer (Streamlit) at http://HOST:PORT; Ctrl-C stops it."""
    def go():
        from ..errors import InputError

        if not 1 <= port <= 65535:
            raise InputError(f"--port: must be between 1 and 65535 (got {port})")
        return check_host(host)

    checked = guard(go)
    if not is_loopback(checked):
        err_console.print(f"warning: --host {checked} makes the explorer reachable from other machines; it has no "
                          "authentication (use 127.0.0.1 unless you mean it)", markup=False, highlight=False)
    err_console.print(f"ketasim explorer on http://{checked}:{port} (Ctrl-C stops it)", markup=False, highlight=False)
    code = run_child(streamlit_command(checked, port))
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        fail(f"the explorer stopped with status {code}", code=1)
