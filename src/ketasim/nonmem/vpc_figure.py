"""The VPC figure (matplotlib) and its page (PNG or a self-contained HTML page).

One panel per observable: the observed points (grey), the observed 5th, 50th and 95th
percentiles per bin (black: solid median, dashed outer percentiles), and the simulated
percentiles (the median over replicates as a line in the observable's colour,
`report.colours`) inside their 95% confidence bands (shaded). Time in hours or days
(`report.time_axis`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .conventions import MINUTES_PER_HOUR
from .vpc import QUANTILES, VpcResult


def vpc_figure(results: Sequence[VpcResult], log: bool = False):
    """The matplotlib Figure of the VPCs (one panel each)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..report.colours import series_colour
    from ..report.time_axis import display_time

    fig, axes = plt.subplots(len(results), 1, figsize=(7.5, 3.6 * len(results)), squeeze=False)
    span = max(float(np.max(r.times)) for r in results) * MINUTES_PER_HOUR
    for ax, r in zip(axes[:, 0], results):
        colour = series_colour(r.observable)
        t, label = display_time(r.times * MINUTES_PER_HOUR, span)
        mid, _ = display_time(r.bins.mid * MINUTES_PER_HOUR, span)
        ax.scatter(t, r.observed, s=12, color="#868e96", alpha=0.7, label="observed", zorder=3)
        for k, q in enumerate(QUANTILES):
            median = q == 50.0
            ax.fill_between(mid, r.simulated_ci[:, k, 0], r.simulated_ci[:, k, 1], color=colour,
                            alpha=0.30 if median else 0.15, lw=0,
                            label="simulated 95% CI" if median else None)
            ax.plot(mid, r.simulated_pct[:, k], color=colour, lw=1.6 if median else 1.0,
                    label=f"simulated P{q:g}" if k != 2 else None)
            ax.plot(mid, r.observed_pct[:, k], color="black", ls="-" if median else "--", marker="o", ms=3,
                    lw=1.4 if median else 1.0, label=f"observed P{q:g}" if k != 2 else None)
        ax.set_xlabel(label)
        kind = "prediction-corrected " if r.pred_corr else ""
        ax.set_ylabel(f"{kind}{r.observable} (ng/mL)")
        ax.set_title(f"{'pcVPC' if r.pred_corr else 'VPC'}: {r.observable}, {r.replicates} replicates")
        if log:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def vpc_page(results: Sequence[VpcResult], title: str, notes: Sequence[str] = (), log: bool = False) -> str:
    """The VPC as a self-contained HTML page: the figure (inline SVG), the method, one table per observable."""
    import matplotlib.pyplot as plt

    from ..report.figures import figure_to_svg
    from ..report.markup import esc, html_figure, html_table, page_close, page_header, page_open
    from ..version import __version__

    fig = vpc_figure(results, log)
    svg = figure_to_svg(fig)
    plt.close(fig)
    pc = any(r.pred_corr for r in results)
    method = ("Observed points (MDV 0 with a DV) binned by time; in each bin the observed 5th, 50th and 95th "
              "percentiles (black) against the same percentiles of each simulated replicate of the dataset, "
              "shown as their median over replicates (line) and 95% interval (band). "
              + ("Prediction-corrected (Bergstrand 2011): every value scaled by the median population prediction "
                 "of its bin over its own population prediction. " if pc else "")
              + "Bins: each distinct time when there are few, else equal-count quantile bins (ketasim.nonmem.vpc).")
    parts = [page_open(title), page_header(title, ()), f"<p>{esc(method)}</p>",
             *(f'<p class="muted small">{esc(n)}</p>' for n in notes),
             html_figure(svg, "Visual predictive check: observed points and percentiles (black) and simulated "
                              "percentiles with their 95% confidence bands (colour).")]
    for r in results:
        parts.append(f"<h2>{esc(r.observable)}</h2>")
        parts.append(html_table(r.rows(), f"{r.observable} (ng/mL) by time bin"))
    parts.append(page_close(__version__))
    return "\n".join(parts)


def write_vpc(path: Path, results: Sequence[VpcResult], title: str, notes: Sequence[str] = (),
              log: bool = False) -> None:
    """Write the VPC to `path` (atomically): a PNG when it ends in .png, else the HTML page."""
    from ..files import atomic_write

    if Path(path).suffix.lower() == ".png":
        import matplotlib.pyplot as plt

        fig = vpc_figure(results, log)
        try:
            atomic_write(Path(path), lambda p: fig.savefig(p, format="png", dpi=120))
        finally:
            plt.close(fig)
    else:
        page = vpc_page(results, title, notes, log)
        atomic_write(Path(path), lambda p: p.write_text(page, encoding="utf-8"))
