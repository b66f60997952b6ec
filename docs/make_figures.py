"""Regenerate the README figure from the standard simulation (`make figures`): the report's
concentration figure (`report.figures.concentration_figure`, an SVG stack) as
docs/figures/demo_concentrations.svg."""

from pathlib import Path

import ketasim as k
from ketasim.report.figures import concentration_figure
from ketasim.report.svg_chart import stack_svg

ds = k.simulate([k.DoseEvent("ketamine", "iv", 0.5, per_kg=True, duration=40.0)], duration="24 h")
out = Path(__file__).parent / "figures" / "demo_concentrations.svg"
out.write_text(stack_svg(concentration_figure(ds)), encoding="utf-8")
print(f"wrote {out}")
