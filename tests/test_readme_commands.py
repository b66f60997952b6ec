"""Every `ketasim` command the README prints, run as printed (in a scratch folder, library
paths pointed at this checkout): it finishes with status 0, says nothing on stderr but
status lines, writes what it promises, and its JSON (where asked) holds finite numbers.

The quick ones run in the default suite, the whole-library and long ones are `slow`
(`make test-all`). A README command this file does not know fails the first test, so a
new command cannot be printed without being run here.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# command as printed (comments stripped) -> files it writes in the scratch folder
QUICK: dict[str, tuple[str, ...]] = {
    'ketasim run --species mouse --route ip --dose "10 mg/kg" --duration "3 h"': ("results.nc", "report.html"),
    'ketasim run --dose "0.5 mg/kg" --repeat-every "3.5 d" --repeat-count 6 --duration "21 d" --json':
        ("results.nc", "report.html"),
    "ketasim experiment run src/ketasim/experiments/library/pk_end_of_infusion_cmax.toml --json": (),
    "ketasim receptor --out receptor_figures": ("receptor_figures",),
    "ketasim list observables": (),
    "ketasim export sbml --out ketasim.xml": ("ketasim.xml",),
    "ketasim dataset simulate src/ketasim/data/examples/ketamine_iv_nonmem.csv --out simulated.csv":
        ("simulated.csv",),
}
SLOW: dict[str, tuple[str, ...]] = {
    'ketasim run --drug esketamine --route intranasal --dose "56 mg" --duration "12 h"': ("results.nc", "report.html"),
    "ketasim validate --tags pk": (),
    "ketasim run --hypothesis nmda_block=kinetic": ("results.nc", "report.html"),
    'ketasim circuit --ketamine "1 uM" --block uniform': (),
    "ketasim run --circuit-figures": ("results.nc", "report.html"),
    "ketasim validate --html scorecard.html --json scorecard.json": ("scorecard.html", "scorecard.json"),
    "ketasim hypotheses --switch opioid_gate": (),
    "ketasim sensitivity --method morris": (),
    "ketasim validate --tags clinical": (),
    'ketasim run --duration "14 d"': ("results.nc", "report.html"),
    'ketasim run --species rat --route ip --dose "10 mg/kg" --duration "3 d" --bdnf met/met': ("results.nc",),
    'ketasim run --species mouse --route ip --dose "10 mg/kg" --stress chronic --duration "14 d"': ("results.nc",),
    "ketasim run --hypothesis glutamate_surge=none": ("results.nc", "report.html"),
    "ketasim validate --tags plasticity": (),
    "ketasim trial src/ketasim/experiments/library/clinical_murrough2013_midazolam.toml --patients 200 "
    "--out trial_out": ("trial_out",),
    "ketasim dataset vpc src/ketasim/data/examples/ketamine_iv_nonmem.csv --out vpc.html --patients 50 --pred-corr":
        ("vpc.html",),
}
# run in order in one folder: the second reads what the first writes
FIT_THEN_RUN = ("ketasim fit --parameter 'ketamine_?.cl' --experiment pk-kamp-clearance --out fitted.toml",
                "ketasim run --parameters fitted.toml")
SERVE = "ketasim serve"
TEMPLATE = "ketasim trial FILE.toml --scheduler tcp://host:8786"   # patterns, not runnable commands
TEMPLATES = (TEMPLATE, "ketasim trial FILE.toml --out out --shard 3/8", "ketasim trial FILE.toml --out out --merge out")


def readme_commands() -> list[str]:
    """The `ketasim ...` lines of the README's bash blocks, comments stripped."""
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = line.split(" #")[0].strip()
            if command.startswith("ketasim "):
                lines.append(command)
    return lines


def run_printed(command: str, folder: Path, timeout: float = 3600.0) -> subprocess.CompletedProcess:
    """Run a README command as printed, with `ketasim` this interpreter's module and library
    paths pointed at this checkout."""
    args = command.replace("src/ketasim/", f"{ROOT}/src/ketasim/")
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(f"{sys.executable} -m ketasim {args[len('ketasim '):]}", shell=True, cwd=folder,
                          capture_output=True, text=True, env=env, timeout=timeout)


def check_clean(result: subprocess.CompletedProcess, folder: Path, outputs: tuple[str, ...]) -> None:
    """Status 0, no traceback or warning on stderr, the promised outputs written, JSON finite."""
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr[-2000:]
    for name in outputs:
        path = folder / name
        assert path.exists() and (path.is_dir() or path.stat().st_size > 0), name
    if "--json" in result.args:
        payload = json.loads(result.stdout)
        numbers = [v for v in _leaves(payload) if isinstance(v, float)]
        assert numbers and all(math.isfinite(v) for v in numbers)


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_every_readme_command_is_run_by_this_file():
    known = set(QUICK) | set(SLOW) | set(FIT_THEN_RUN) | {SERVE, *TEMPLATES}
    printed = readme_commands()
    assert printed, "no ketasim commands found in the README"
    assert [c for c in printed if c not in known] == []


@pytest.mark.parametrize("command", sorted(QUICK))
def test_a_quick_readme_command_runs_as_printed(command, tmp_path):
    check_clean(run_printed(command, tmp_path), tmp_path, QUICK[command])


def test_the_repeated_course_in_the_readme_reports_the_true_peak(tmp_path):
    """The README's 21-day course: plasma Cmax is the end-of-infusion value, not a sample of an
    hourly grid (it was 55 ng/mL at 60 min when the grid was hourly). The reference is the same
    six infusions solved on a 0.1-min grid over each infusion and its first two hours."""
    import numpy as np

    import ketasim

    command = next(c for c in QUICK if "--repeat-every" in c)
    result = run_printed(command, tmp_path)
    rows = {r["analyte"]: r for r in json.loads(result.stdout)["summary"]}
    starts = [i * 3.5 * 1440.0 for i in range(6)]
    fine = np.unique(np.concatenate([s + np.arange(0.0, 160.0, 0.1) for s in starts]))
    ds = ketasim.simulate([ketasim.DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min", every="3.5 d",
                                             count=6)], duration="21 d", times=fine)
    peak = float(ds.plasma_ketamine.max())
    assert rows["plasma_ketamine"]["Cmax"] == pytest.approx(peak, rel=1e-3)
    assert rows["plasma_ketamine"]["Cmax"] > 150.0          # the end of an infusion, not an hourly sample
    assert rows["plasma_ketamine"]["Tmax (min)"] % (3.5 * 1440.0) == 40.0
    assert rows["brain_ketamine"]["Cmax"] == pytest.approx(float(ds.brain_ketamine.max()), rel=1e-3)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_readme_template_lines_are_refused_in_one_line(template, tmp_path):
    result = run_printed(template, tmp_path)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error: ")
    assert "FILE.toml" in line or "--merge" in line     # names what was typed: the missing file or folder


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(SLOW))
def test_a_long_readme_command_runs_as_printed(command, tmp_path):
    check_clean(run_printed(command, tmp_path), tmp_path, SLOW[command])


@pytest.mark.slow
def test_the_readme_fit_then_run_with_the_fitted_file(tmp_path):
    check_clean(run_printed(FIT_THEN_RUN[0], tmp_path), tmp_path, ("fitted.toml",))
    check_clean(run_printed(FIT_THEN_RUN[1], tmp_path), tmp_path, ("results.nc", "report.html"))


@pytest.mark.slow
def test_the_readme_serve_command_answers_on_its_port(tmp_path):
    """`ketasim serve` as printed: the explorer answers HTTP on 127.0.0.1:8501 (waits for it to
    start, however long the machine takes, up to a generous limit, then stops it)."""
    args = f"{sys.executable} -m ketasim serve"
    proc = subprocess.Popen(args, shell=True, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        status = None
        for _ in range(600):
            try:
                with urllib.request.urlopen("http://127.0.0.1:8501", timeout=5) as response:
                    status = response.status
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        assert status == 200, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "no answer"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
