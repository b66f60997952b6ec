"""Raster and spectrum figures of spiking-circuit runs (used by `ketasim circuit` and reports)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.figure import Figure

from .analysis import after_warmup, power_spectrum

COLOURS = {"pyramidal": "tab:red", "pv": "tab:blue", "sst": "tab:green"}


def raster_figure(result, window_ms: float = 500.0, max_cells: int = 200) -> Figure:
    """Spikes of up to `max_cells` cells per type in the last `window_ms` of the run, with rates."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax, axr = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    t_end = result.warmup_ms + result.duration_ms
    t0 = t_end - window_ms
    offset = 0
    for cell, (idx, t) in result.spikes.items():
        sel = (t >= t0) & (idx < max_cells)
        ax.plot(t[sel], idx[sel] + offset, "|", ms=2, color=COLOURS.get(cell, "k"), label=cell)
        offset += min(max_cells, result.sizes[cell])
        keep = result.time_ms >= t0
        axr.plot(result.time_ms[keep], _smooth(result.rates[cell][keep]), color=COLOURS.get(cell, "k"), lw=1)
    ax.set_ylabel("cell")
    ax.legend(loc="upper right", fontsize=8, markerscale=4)
    axr.set_ylabel("rate (Hz)")
    axr.set_xlabel("time (ms)")
    b = result.blocks
    ax.set_title(f"NMDA drug block: pyramidal {b['pyramidal']:.2f}, PV {b['pv']:.2f}, SST {b['sst']:.2f}")
    return fig


def _smooth(y: np.ndarray, n: int = 10) -> np.ndarray:
    return np.convolve(y, np.ones(n) / n, mode="same")


def spectrum_figure(results: Mapping[str, object]) -> Figure:
    """LFP-proxy power spectra (Welch) of labelled runs on log axes, gamma band shaded."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    for label, r in results.items():
        keep = after_warmup(r.time_ms, r.warmup_ms)
        f, psd = power_spectrum(r.lfp[keep], r.sample_dt_ms)
        sel = (f >= 1) & (f <= 150)
        ax.loglog(f[sel], psd[sel], label=label)
    ax.axvspan(30, 80, color="0.92", zorder=0)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("LFP proxy power (nA²/Hz)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig
