"""Regenerate the README figure from the standard simulation (`make figures`)."""

from pathlib import Path

import ketasim as k
from ketasim.report.figures import concentration_figure

ds = k.simulate([k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40.0)], duration="24 h")
fig = concentration_figure(ds)
out = Path(__file__).parent / "figures" / "demo_concentrations.png"
fig.savefig(out, dpi=110, bbox_inches="tight")
print(f"wrote {out}")
