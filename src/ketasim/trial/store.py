"""The trial's Zarr store: per-arm arrays written chunk by chunk, a `done` flag per chunk written last.

Layout (`trial.zarr`):

- root attrs: format, ketasim_version, trial_id, seed, cohort, species, n (per arm),
  chunk, spec_digest, spec (the full `TrialSpec.to_json()`), hypotheses (arm -> dict)
- `visits` (V,) days
- per arm, group `<arm name>`: `madrs`, `hamd` (n, V) float64 (NaN after dropout);
  `baseline_madrs`, `dropout_day` (inf = completed), `cadss_peak` (n,) float64;
  `dropout_side_effect` (n,) bool; `patient` (n,) int64 (-1 until written);
  `covariates/<name>` (n,): numbers as float64, strings as int16 codes into the code
  table in the array's attrs (`codes`); `done` (chunks,) bool.

Zarr chunks along patients equal the trial's chunks, so each trial chunk is one file per
array, and the zarr local store writes every file atomically (temporary file, rename).
A chunk's `done` flag is written after all its arrays: a chunk whose flag is set is
complete; any other chunk is (re)written on resume. The store is created in a temporary
folder and renamed into place, so a half-created store never exists under its name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputError
from .outcomes import ArmOutcomes
from .spec import TrialSpec

FORMAT = "ketasim-trial"
FORMAT_VERSION = 1
SCORES = ("madrs", "hamd")
PER_PATIENT = {"baseline_madrs": ("f8", np.nan), "dropout_day": ("f8", np.nan), "cadss_peak": ("f8", np.nan),
               "dropout_side_effect": ("bool", False), "patient": ("i8", -1)}


class TrialStoreError(InputError):
    """The output folder holds a store of another trial, or something else."""


def _create(path: Path, spec: TrialSpec) -> None:
    import zarr

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        root = zarr.create_group(store=str(tmp / "store"))
        v = len(spec.visits)
        visits = root.create_array("visits", shape=(v,), dtype="f8", chunks=(v,))
        visits[:] = np.asarray(spec.visits)
        for arm in spec.arms:
            g = root.create_group(arm.name)
            g.attrs.update({"name": arm.name, "hypotheses": dict(arm.hypotheses), "blinded": arm.blinded})
            for name in SCORES:
                g.create_array(name, shape=(spec.n, v), chunks=(spec.chunk, v), dtype="f8", fill_value=np.nan)
            for name, (dtype, fill) in PER_PATIENT.items():
                g.create_array(name, shape=(spec.n,), chunks=(spec.chunk,), dtype=dtype, fill_value=fill)
            g.create_group("covariates")
            g.create_array("done", shape=(len(spec.chunks()),), chunks=(1,), dtype="bool", fill_value=False)
        root.attrs.update({
            "format": FORMAT, "format_version": FORMAT_VERSION, "ketasim_version": __version__,
            "trial_id": spec.trial_id, "title": spec.title, "seed": spec.seed, "cohort": spec.cohort,
            "species": spec.species, "n": spec.n, "chunk": spec.chunk, "spec_digest": spec.digest,
            "spec": spec.to_json(), "hypotheses": {a.name: dict(a.hypotheses) for a in spec.arms}})
        os.rename(tmp / "store", path)  # fails if the path appeared meanwhile
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_store(path: str | Path, spec: TrialSpec, create: bool = True):
    """Open (or create) the store of `spec` at `path`; TrialStoreError if it holds another trial."""
    import zarr

    path = Path(path)
    if not path.exists():
        if not create:
            raise TrialStoreError(f"{path}: no trial store")
        _create(path, spec)
    try:
        root = zarr.open_group(str(path), mode="r+")
        attrs = dict(root.attrs)
    except Exception:  # zarr raises several types for a folder that is not a group
        raise TrialStoreError(f"{path}: exists and is not a ketasim trial store; use another --out") from None
    if attrs.get("format") != FORMAT:
        raise TrialStoreError(f"{path}: exists and is not a ketasim trial store; use another --out")
    if attrs.get("ketasim_version") != __version__:
        raise TrialStoreError(f"{path}: written by ketasim {attrs.get('ketasim_version')}, this is {__version__}; "
                              "use another --out")
    if attrs.get("spec_digest") != spec.digest:
        old = attrs.get("spec", {})
        diff = [k for k in ("trial_id", "n", "seed", "chunk", "cohort", "species", "duration_days", "visits", "arms")
                if old.get(k) != spec.to_json().get(k)]
        raise TrialStoreError(f"{path}: holds a different trial (differs in {', '.join(diff) or 'its specification'}); "
                              "use another --out to keep both, or remove it")
    return root


def done_flags(root, spec: TrialSpec) -> dict[str, np.ndarray]:
    """arm name -> (chunks,) bool: which chunks are complete."""
    return {a.name: np.asarray(root[a.name]["done"][:], dtype=bool) for a in spec.arms}


def write_chunk(root, spec: TrialSpec, arm: str, index: int, result) -> None:
    """Write one finished chunk (a `ChunkResult`) of `arm`, then set its done flag.

    Checks that it is the chunk asked for: patients start..start+size-1, the trial's visits.
    """
    start, size = spec.chunks()[index]
    patient = np.asarray(result.patient)
    if not np.array_equal(patient, np.arange(start, start + size)):
        raise RuntimeError(f"chunk {index} of arm {arm}: patients {patient[:3]}... are not {start}..{start + size - 1}")
    if not np.allclose(np.asarray(result.visits, float), spec.visits):
        raise RuntimeError(f"chunk {index} of arm {arm}: visits differ from the trial's")
    g = root[arm]
    sl = slice(start, start + size)
    for name in SCORES:
        g[name][sl] = np.asarray(getattr(result, name), dtype="f8")
    for name, (dtype, _) in PER_PATIENT.items():
        g[name][sl] = np.asarray(getattr(result, name), dtype=dtype)
    for name, values in result.covariates.items():
        _write_covariate(g["covariates"], spec, name, np.asarray(values), sl)
    g["done"][index] = True


def _write_covariate(group, spec: TrialSpec, name: str, values: np.ndarray, sl: slice) -> None:
    text = values.dtype.kind in "USO"
    if name not in group:
        if text:
            arr = group.create_array(name, shape=(spec.n,), chunks=(spec.chunk,), dtype="i2", fill_value=-1)
            arr.attrs["codes"] = []
        else:
            group.create_array(name, shape=(spec.n,), chunks=(spec.chunk,), dtype="f8", fill_value=np.nan)
    arr = group[name]
    if text:
        codes = list(arr.attrs["codes"])
        new = sorted(set(values.astype(str).tolist()) - set(codes))
        if new:
            codes += new
            arr.attrs["codes"] = codes  # before the data: an unused code is harmless, a missing one is not
        index = {c: i for i, c in enumerate(codes)}
        arr[sl] = np.array([index[v] for v in values.astype(str).tolist()], dtype="i2")
    else:
        arr[sl] = values.astype("f8")


def read_arm(root, spec: TrialSpec, arm: str) -> ArmOutcomes:
    """One arm's outcomes from the store (covariate codes decoded to strings)."""
    g = root[arm]
    cov = {}
    for name, a in g["covariates"].arrays():
        data = a[:]
        if "codes" in a.attrs:
            table = np.array(list(a.attrs["codes"]) + [""], dtype=str)  # code -1 (unwritten) -> ""
            data = table[data]
        cov[name] = data
    return ArmOutcomes(visits=np.asarray(root["visits"][:]), madrs=g["madrs"][:], hamd=g["hamd"][:],
                       baseline_madrs=g["baseline_madrs"][:], dropout_day=g["dropout_day"][:],
                       dropout_side_effect=g["dropout_side_effect"][:], cadss_peak=g["cadss_peak"][:],
                       patient=g["patient"][:], covariates=cov)
