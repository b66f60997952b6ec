"""End to end in headless Chromium (Debian's `chromium`, driven by Playwright): the explorer and the demo report.

`make test` installs Chromium first (scripts/install_chromium.sh); without it these tests
fail with a message saying so rather than skip. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
# the machine may have no network: keep Chromium from trying (background fetches flood refusals)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PEAK = "Peak plasma ketamine"


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium; run "
                    "scripts/install_chromium.sh (make test does) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ketasim serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"the explorer did not answer {url}/_stcore/health within {timeout:g} s:\n{log.read_text()}")


@pytest.fixture
def explorer(tmp_path):
    """`ketasim serve` on a free loopback port; its URL while the test runs, then stopped."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ketasim", "serve", "--port", str(port)], stdout=out,
                                stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log, 120)
            print(f"explorer healthy after {time.perf_counter() - t0:.1f} s")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def metric_value(page, label: str) -> float | None:
    """The number shown by the st.metric labelled `label` (None while it is not on the page)."""
    value = page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')
    if value.count() == 0:
        return None
    m = re.search(r"(-?\d+(?:\.\d+)?)", value.first.inner_text())
    return float(m.group(1)) if m else None


def wait_metric(page, label: str, differs_from: float | None = None, timeout: float = 240.0) -> float:
    """Wait until the metric shows a number (other than `differs_from`) and the page is idle; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = metric_value(page, label)
        if v is not None and v != differs_from:
            return v
        page.wait_for_timeout(250)
    raise AssertionError(f"metric {label!r} did not show a new value within {timeout:g} s "
                         f"(last {metric_value(page, label)})")


def set_text(field, text: str) -> None:
    field.fill(text)
    field.press("Enter")


def test_explorer_in_chromium(chromium, explorer):
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1500, "height": 2300})
    page_errors = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(explorer)
    # it loads: the title, then the standard infusion's result
    expect(page.get_by_role("heading", name="ketasim explorer")).to_be_visible(timeout=60_000)
    low = wait_metric(page, PEAK)
    assert 100.0 < low < 400.0, low   # ~185-240 ng/mL at the end of 0.5 mg/kg over 40 min
    # 0.5 -> 1.0 mg/kg raises the peak plasma level (about twofold: linear PK)
    dose = page.get_by_label("Dose", exact=True)
    expect(dose).to_have_value("0.5 mg/kg")
    set_text(dose, "1.0 mg/kg")
    high = wait_metric(page, PEAK, differs_from=low)
    assert high > low and 1.8 < high / low < 2.2, (low, high)
    print(f"peak plasma ketamine shown: {low} ng/mL at 0.5 mg/kg, {high} ng/mL at 1.0 mg/kg")
    # an invalid dose: one error line naming the field, no exception box, no result
    for bad, words in (("-1 mg/kg", ("regimen.dose", "negative")), ("abc", ("regimen.dose", "'abc'"))):
        set_text(dose, bad)
        alert = page.locator('[data-testid="stAlert"]').filter(has_text=words[1])
        expect(alert).to_be_visible(timeout=60_000)
        assert all(w in alert.inner_text() for w in words), alert.inner_text()
        expect(page.locator('[data-testid="stMetric"]').filter(has_text=PEAK)).to_have_count(0)
        assert page.locator('[data-testid="stException"]').count() == 0
    # and the app keeps running: a valid dose brings the result back
    set_text(dose, "0.5 mg/kg")
    assert wait_metric(page, PEAK) == low
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)
    # the cascade figure has loaded
    page.wait_for_function("() => { const imgs = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];"
                           " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
                           timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0 and not page_errors, page_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
    assert (ARTIFACTS / "explorer.png").stat().st_size > 10_000
    page.close()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    """`make demo`'s report (`ketasim run` with its defaults), written once for this module's tests."""
    out = tmp_path_factory.mktemp("demo")
    r = subprocess.run([sys.executable, "-m", "ketasim", "run", "--out", str(out / "results.nc"),
                        "--report", str(out / "report.html")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out / "report.html"


def test_demo_report_renders_offline(chromium, demo_report):
    """`make demo`'s report, opened from disk with the network off: figures and equations render, nothing is fetched."""
    context = chromium.new_context(offline=True, viewport={"width": 1400, "height": 1000})
    context.set_offline(True)
    refused, requested = [], []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("request", lambda req: requested.append(req.url))
    page.goto(demo_report.as_uri(), wait_until="load")
    figures = page.evaluate("""() => {
        const imgs = [...document.images].map(i => ({kind: 'img', ok: i.complete && i.naturalWidth > 0}));
        const svgs = [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg')).map(s => {
            const r = s.getBoundingClientRect();
            return {kind: 'svg', ok: r.width > 0 && r.height > 0 && s.querySelectorAll('path, line, text').length > 0};
        });
        return imgs.concat(svgs);
    }""")
    assert figures, "the report has no figures"
    assert all(f["ok"] for f in figures), [f for f in figures if not f["ok"]]
    maths = page.evaluate("""() => [...document.querySelectorAll('math')].map(m => {
        const r = m.getBoundingClientRect();
        return {mathml: m instanceof MathMLElement, display: getComputedStyle(m).display, w: r.width, h: r.height};
    })""")
    assert maths, "the report has no MathML equations"
    assert all(m["mathml"] and "math" in m["display"] for m in maths), maths[:3]
    assert all(m["w"] > 0 and m["h"] > 0 for m in maths), [m for m in maths if not (m["w"] > 0 and m["h"] > 0)][:3]
    # laid out as mathematics: a fraction's numerator sits above its denominator (inline text would not)
    fractions = page.evaluate("""() => [...document.querySelectorAll('mfrac')].slice(0, 50).map(f => {
        const [num, den] = [f.children[0].getBoundingClientRect(), f.children[1].getBoundingClientRect()];
        return num.bottom <= den.top + 1;
    })""")
    assert all(fractions), fractions
    ARTIFACTS.mkdir(exist_ok=True)
    # the top of the report, and the first equation with its neighbours (the whole page is tens of MB)
    height = min(page.evaluate("() => document.documentElement.scrollHeight"), 3000)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1400, "height": height})
    with_fraction = page.locator("math").filter(has=page.locator("mfrac"))
    shown = with_fraction.first if with_fraction.count() else page.locator("math").first
    shown.locator("xpath=../..").screenshot(path=str(ARTIFACTS / "report-equation.png"))
    assert refused == [], refused
    assert all(u.startswith(("file:", "data:")) for u in requested), requested
    context.close()


WIDTH = 1280  # a laptop window: the pages must fit it without sideways scrolling

# the page's width, every contents link with no target, and the widest element that sticks out
LAYOUT = """() => {
    const doc = document.documentElement, W = doc.clientWidth;
    const broken = [...document.querySelectorAll('nav.toc a[href^="#"]')]
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id));
    let widest = null;
    for (const e of document.querySelectorAll('main *')) {
        const r = e.getBoundingClientRect();
        if (r.right > W + 1 && !e.closest('svg, math') && (!widest || r.right > widest.right))
            widest = {tag: e.tagName, cls: String(e.className), right: Math.round(r.right)};
    }
    return {scrollWidth: doc.scrollWidth, clientWidth: W, scrollHeight: doc.scrollHeight,
            links: document.querySelectorAll('nav.toc a').length, broken, widest};
}"""


def open_page(chromium, path: Path):
    """A `WIDTH` x 900 page with `path` loaded from disk."""
    page = chromium.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto(path.as_uri(), wait_until="load")
    return page


def test_report_and_scorecard_fit_a_1280_px_window(chromium, demo_report, small_scorecard, tmp_path):
    """No sideways scrolling at 1,280 px (tables wrap, figures shrink, long equations scroll in their own
    box), and every contents link has its target; the scorecard's 'misses only' box works without script."""
    from ketasim.validation.scorecard_html import render_scorecard

    page = open_page(chromium, demo_report)
    report = page.evaluate(LAYOUT)
    print(f"report at {WIDTH} px: {report}")
    assert report["scrollWidth"] <= WIDTH and report["widest"] is None, report
    assert report["links"] > 10 and report["broken"] == [], report
    # a long equation scrolls inside its box, the page does not
    boxes = page.evaluate("() => [...document.querySelectorAll('div.eq .m')].map(m => [m.scrollWidth, m.clientWidth])")
    assert any(sw > cw for sw, cw in boxes) and all(cw <= WIDTH for _, cw in boxes)
    page.close()

    scorecard = tmp_path / "scorecard.html"
    scorecard.write_text(render_scorecard(small_scorecard), encoding="utf-8")
    page = open_page(chromium, scorecard)
    card = page.evaluate(LAYOUT)
    print(f"scorecard at {WIDTH} px: {card}")
    assert card["scrollWidth"] <= WIDTH and card["widest"] is None, card
    assert card["links"] == 6 and card["broken"] == [], card
    shown = "() => [...document.querySelectorAll('section.exp')].filter(s => s.offsetParent !== null).map(s => s.id)"
    assert len(page.evaluate(shown)) == 4
    page.locator("#only-misses").check()
    assert page.evaluate(shown) == ["clinical-murrough2013-midazolam"]
    page.close()
