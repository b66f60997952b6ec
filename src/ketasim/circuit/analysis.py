"""Readouts of a circuit run: rates, LFP spectrum and band powers, glutamate release, E/I.

Pure functions of arrays (or of a `CircuitResult`); nothing here runs a simulation.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from scipy.signal import welch

from .parameters import value

BANDS: Mapping[str, tuple[float, float]] = {
    "delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0), "gamma": (30.0, 80.0),
}


def after_warmup(time_ms: np.ndarray, warmup_ms: float) -> np.ndarray:
    """Boolean mask of samples at or after warmup_ms (ms)."""
    return np.asarray(time_ms) >= warmup_ms


def spike_rate(times_ms: np.ndarray, n_cells: int, start_ms: float, stop_ms: float) -> float:
    """Mean firing rate (Hz per cell) of n_cells whose spikes (ms) fall in [start_ms, stop_ms)."""
    t = np.asarray(times_ms)
    count = np.count_nonzero((t >= start_ms) & (t < stop_ms))
    return float(count / (n_cells * (stop_ms - start_ms) * 1e-3))


def mean_rates(result) -> dict[str, float]:
    """Mean rate (Hz) per cell type after the warmup of a `CircuitResult`."""
    stop = result.warmup_ms + result.duration_ms
    return {c: spike_rate(result.spikes[c][1], result.sizes[c], result.warmup_ms, stop) for c in result.sizes}


def power_spectrum(signal: np.ndarray, sample_dt_ms: float, segment_ms: float = 500.0) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of a signal sampled every sample_dt_ms (ms).

    Returns (frequencies in Hz, PSD in signal unit^2/Hz); the mean is removed, segments of
    segment_ms with 50% overlap (Hann window), so the resolution is 1000/segment_ms Hz.
    """
    x = np.asarray(signal, dtype=float)
    fs = 1000.0 / sample_dt_ms
    nperseg = int(min(len(x), round(segment_ms / sample_dt_ms)))
    return welch(x - x.mean(), fs=fs, nperseg=nperseg, detrend="constant")


def band_powers(freqs: np.ndarray, psd: np.ndarray,
                bands: Mapping[str, tuple[float, float]] = BANDS) -> dict[str, float]:
    """Power (signal unit^2) in each band [lo, hi) Hz: the PSD integrated over the band."""
    out = {}
    df = float(freqs[1] - freqs[0]) if len(freqs) > 1 else 1.0
    for name, (lo, hi) in bands.items():
        sel = (freqs >= lo) & (freqs < hi)
        out[name] = float(psd[sel].sum() * df)
    return out


def lfp_band_powers(result, segment_ms: float = 500.0) -> dict[str, float]:
    """Band powers (nA^2) of a `CircuitResult`'s LFP proxy after warmup."""
    keep = after_warmup(result.time_ms, result.warmup_ms)
    f, psd = power_spectrum(result.lfp[keep], result.sample_dt_ms, segment_ms)
    return band_powers(f, psd)


def glutamate_release(pyramidal_rate_hz: float, release_probability: float | None = None) -> float:
    """Glutamate release proxy (release events per synapse per second, Hz).

    Pyramidal firing rate (Hz) times the release probability per spike (default: the
    circuit's `release_probability` parameter).
    """
    pr = value("release_probability", "1") if release_probability is None else release_probability
    return float(pyramidal_rate_hz * pr)


def ei_ratio(excitatory_current: np.ndarray, inhibitory_current: np.ndarray) -> float:
    """Mean |excitatory| (AMPA + NMDA) over mean |inhibitory| (GABA-A) current onto pyramidal cells.

    Both in the same unit (nA in a `CircuitResult`); the ratio is dimensionless.
    """
    inh = float(np.mean(np.abs(inhibitory_current)))
    return float(np.mean(np.abs(excitatory_current)) / inh) if inh > 0 else float("inf")


def result_ei_ratio(result) -> float:
    """E/I ratio of a `CircuitResult` after warmup."""
    keep = after_warmup(result.time_ms, result.warmup_ms)
    return ei_ratio(result.excitatory_current[keep], result.inhibitory_current[keep])


def peak_frequency(freqs: np.ndarray, psd: np.ndarray, lo: float = 30.0, hi: float = 80.0) -> float:
    """Frequency (Hz) of the largest PSD value within [lo, hi) Hz."""
    sel = (freqs >= lo) & (freqs < hi)
    return float(freqs[sel][np.argmax(psd[sel])])


def summary(result, segment_ms: float = 500.0) -> dict[str, float]:
    """Rates (Hz), band powers (nA^2), gamma peak (Hz), glutamate release (Hz) and E/I ratio.

    segment_ms: Welch segment of the spectrum (ms); its inverse is the frequency resolution,
    so the delta band (1-4 Hz) needs segments of seconds, and runs several times longer.
    """
    rates = mean_rates(result)
    keep = after_warmup(result.time_ms, result.warmup_ms)
    f, psd = power_spectrum(result.lfp[keep], result.sample_dt_ms, segment_ms)
    out = {f"rate_{c}": r for c, r in rates.items()}
    out.update({f"power_{k}": v for k, v in band_powers(f, psd).items()})
    out["gamma_peak_hz"] = peak_frequency(f, psd)
    out["glutamate_release"] = glutamate_release(rates["pyramidal"])
    out["ei_ratio"] = result_ei_ratio(result)
    return out
