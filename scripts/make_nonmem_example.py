"""Write src/ketasim/data/examples/ketamine_iv_nonmem.csv: a NONMEM-style example dataset
made by ketasim itself (no patient data).

Eight virtual patients (`simulate_population`, seed 2026, arm 'nonmem-example') each get
racemic ketamine 0.5 mg/kg IV over 40 min, written in mg for their drawn weight; their
plasma ketamine (CMT 20) and norketamine (CMT 21) are simulated with their own drawn
parameters and given a 15% proportional residual error (seed 2026), rounded to 3
significant digits. Run: `PYTHONPATH=src python scripts/make_nonmem_example.py`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ketasim import DoseEvent, Patient, simulate, simulate_population
from ketasim.nonmem.compartments import dose_cmt, observation_cmt
from ketasim.nonmem.conventions import MINUTES_PER_HOUR

OUT = Path(__file__).resolve().parents[1] / "src" / "ketasim" / "data" / "examples" / "ketamine_iv_nonmem.csv"
N, SEED, CV = 8, 2026, 0.15
KETAMINE_H = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
NORKETAMINE_H = (1.0, 2.0, 4.0, 6.0)


def main() -> None:
    draw = simulate_population([DoseEvent("ketamine", "iv", 35.0, duration=40.0)], N, SEED, duration="10 min",
                               times=[10.0], arm="nonmem-example")
    varied = [c for c in draw.coords if "." in c]
    rng = np.random.default_rng(SEED)
    lines = ["# ketasim example dataset, simulated by scripts/make_nonmem_example.py (virtual patients, no patient "
             "data)",
             "# units: TIME h, AMT mg, RATE mg/h, DV ng/mL; CMT 1 ketamine iv, 20 plasma_ketamine, "
             "21 plasma_norketamine",
             "ID,TIME,AMT,RATE,EVID,CMT,II,ADDL,DV,MDV,WT"]
    for i in range(N):
        wt = round(float(draw["weight"][i]), 1)
        amt = round(0.5 * wt, 1)
        rate = amt / (40.0 / MINUTES_PER_HOUR)
        params = {c: float(draw[c][i]) for c in varied}
        samples = sorted([(t, "plasma_ketamine") for t in KETAMINE_H] + [(t, "plasma_norketamine") for t in NORKETAMINE_H])
        ds = simulate([DoseEvent("ketamine", "iv", amt, duration=40.0)], Patient(weight_kg=wt), "6 h",
                      times=[t * MINUTES_PER_HOUR for t, _ in samples], parameters=params)
        lines.append(f"{i + 1},0,{amt:g},{rate:.12g},1,{dose_cmt('ketamine', 'iv')},0,0,.,1,{wt:g}")
        for t, name in samples:
            value = float(ds[name].sel(time=t * MINUTES_PER_HOUR, method="nearest"))
            dv = value * np.exp(CV * rng.standard_normal())
            lines.append(f"{i + 1},{t:g},0,0,0,{observation_cmt(name)},0,0,{float(f'{dv:.3g}'):g},0,{wt:g}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
