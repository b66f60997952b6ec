"""The explorer's response times in headless Chromium: first result, first cascade, a small trial.

For each of --rounds rounds a fresh `ketasim serve` is started on a free loopback port
(JAX's persistent cache and the exported solves as configured by KETASIM_JAX_CACHE; the
first round of a fresh cache compiles, later rounds are warm), a fresh page is opened and
timed from `page.goto`:

- first result: the "Peak plasma ketamine" metric of the default regimen is shown;
- first cascade: the cascade figure's image has loaded;
- trial: "Compare two regimens" on (two arms), 200 patients per arm, "Run trial" clicked,
  until the trial's table caption shows; timed from the click.

Anchor (same run): the server's own start until it answers its health check. Bars (the
fast-engine issue), warm: first cascade <= 3 s after page load; the 2 x 200-patient trial
<= 15 s.

    python benchmarks/explorer.py [--rounds 2] [--patients 200]

Needs Debian's chromium at /usr/bin/chromium (scripts/install_chromium.sh) and Playwright.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-extensions"]
PEAK = "Peak plasma ketamine"
TIMEOUT_MS = 600_000


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, proc: subprocess.Popen, timeout: float = 300.0) -> float:
    """Seconds until the server answers its health check (raises if it exits or never answers)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"ketasim serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"ketasim serve did not answer within {timeout:g} s")


def one_round(browser, patients: int) -> dict[str, float]:
    """Start a server, time one page's first result, cascade and small trial; stop the server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "ketasim", "serve", "--port", str(port)], stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            out = {"server start s": healthy(url, proc)}
            page = browser.new_page(viewport={"width": 1500, "height": 2300})
            t0 = time.perf_counter()
            page.goto(url)
            metric = page.locator('[data-testid="stMetric"]').filter(has_text=PEAK)
            metric.first.wait_for(timeout=TIMEOUT_MS)
            out["first result s"] = time.perf_counter() - t0
            page.wait_for_function(
                "() => { const imgs = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];"
                " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
                timeout=TIMEOUT_MS)
            out["first cascade s"] = time.perf_counter() - t0
            page.get_by_text("Compare two regimens side by side").click()
            page.locator('[data-testid="stMetric"]').filter(has_text=PEAK).nth(1).wait_for(timeout=TIMEOUT_MS)
            field = page.get_by_label("Patients per arm")
            field.fill(str(patients))
            field.press("Enter")
            page.wait_for_timeout(500)
            t1 = time.perf_counter()
            page.get_by_role("button", name="Run trial").click()
            page.get_by_text(f"{patients} patients per arm,").wait_for(timeout=TIMEOUT_MS)
            out[f"trial 2 x {patients} s"] = time.perf_counter() - t1
            page.close()
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--patients", type=int, default=200)
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: run scripts/install_chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        rounds = [one_round(browser, args.patients) for _ in range(args.rounds)]
        browser.close()
    keys = list(rounds[0])
    print("round  " + "  ".join(f"{k:>18}" for k in keys))
    for i, r in enumerate(rounds, 1):
        print(f"{i:>5}  " + "  ".join(f"{r[k]:>18.1f}" for k in keys))
    last = rounds[-1]
    trial = f"trial 2 x {args.patients} s"
    print(f"bars (warm, last round): first cascade {last['first cascade s']:.1f} s (bar 3 s), "
          f"{trial.removesuffix(' s')} {last[trial]:.1f} s (bar 15 s); "
          f"first cascade / server start {last['first cascade s'] / last['server start s']:.2f}")


if __name__ == "__main__":
    main()
