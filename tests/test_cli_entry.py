"""`cli.entry`, the process's entry point: main's status, flushed streams and exit handlers,
and Python's own exit where a thread is still working. Each case runs in a subprocess with
`main` replaced, so what is checked is the exit itself, not a command."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_entry(body: str) -> subprocess.CompletedProcess:
    """A subprocess whose `ketasim.cli.main` is the function `body` defines; then `entry()`."""
    code = ("import atexit, sys, threading, time\nimport ketasim.cli as cli\n"
            + textwrap.dedent(body)
            + "cli.main = main\ncli.entry()\nprint('not reached', flush=True)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("code, status", [(0, 0), (2, 2), (None, 0)])
def test_status_and_buffered_output_survive_the_quick_exit(code, status):
    # output written without a newline to a pipe sits in the buffer until the flush
    r = run_entry(f"""
        def main():
            sys.stdout.write("partial line")
            sys.stderr.write("err text")
            sys.exit({code!r})
    """)
    assert r.returncode == status
    assert r.stdout == "partial line"
    assert r.stderr == "err text"


def test_main_that_returns_is_status_zero():
    r = run_entry("""
        def main():
            print("done")
    """)
    assert (r.returncode, r.stdout) == (0, "done\n")


def test_exit_handlers_run():
    r = run_entry("""
        def main():
            atexit.register(lambda: print("handler ran"))
            sys.exit(0)
    """)
    assert r.returncode == 0
    assert r.stdout == "handler ran\n"


def test_message_status_is_printed_and_status_one():
    r = run_entry("""
        def main():
            sys.exit("fatal: something")
    """)
    assert r.returncode == 1
    assert r.stderr.strip() == "fatal: something"


def test_a_working_thread_is_waited_for():
    # a non-daemon thread still running: Python's own exit, which joins it
    r = run_entry("""
        def main():
            def late():
                time.sleep(0.5)
                print("thread finished", flush=True)
            threading.Thread(target=late).start()
            sys.exit(3)
    """)
    assert r.returncode == 3
    assert r.stdout == "thread finished\n"


def test_the_installed_script_and_module_use_entry():
    # the console script (pyproject) and `python -m ketasim` both go through entry
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ketasim"] == "ketasim.cli:entry"
    r = subprocess.run([sys.executable, "-m", "ketasim", "run", "--dose", "0,5 mg/kg"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: --dose:")
    assert "Traceback" not in r.stderr
