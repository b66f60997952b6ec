"""The trial's Zarr store: per-arm arrays written chunk by chunk, then a done flag that records their checksum.

Layout (`trial.zarr`):

- root attrs: format, format_version, ketasim_version, trial_id, seed, cohort, species,
  n (per arm), chunk, spec_digest, spec (the full `TrialSpec.to_json()`), hypotheses (arm -> dict),
  and in a shard's store (`trial.shard`: `trial.shard-I-of-N.zarr`, only its chunks flagged)
  shard ({index, count})
- `visits` (V,) days
- per arm, group `<arm name>`: `madrs`, `hamd` (n, V) float64 (NaN after dropout), and
  the decomposition of each rated MADRS change (`trial.decomposition`): `drug_part`,
  `placebo_part`, `regression_part` (n, V) float64 (NaN after dropout, and where a
  simulation did not supply them);
  `baseline_madrs`, `dropout_day` (inf = completed), `cadss_peak` (n,) float64;
  `dropout_side_effect` (n,) bool; `patient` (n,) int64 (-1 until written);
  `covariates/<name>` (n,): numbers as float64, strings as int16 codes into the code
  table in the array's attrs (`codes`); `done` (chunks, 32) uint8: zero until the chunk
  is written, then the SHA-256 of its arrays (`checksum.chunk_checksum`).

Zarr chunks along patients equal the trial's chunks, so each trial chunk is one file per
array, and the zarr local store writes every file atomically (temporary file, rename).
A chunk's done flag (its checksum, one file) is written after all its arrays. On resume a
chunk is trusted only if its flag reads, and its arrays exist, read, have the expected
shape and match the checksum (`check_chunks`); any other chunk is (re)written, and a
flagged chunk that fails gets one status line saying which and why. Arrays whose
metadata is missing or unreadable are recreated first (`repair_layout`), so a damaged
store is recomputed rather than a traceback. The store is created in a temporary folder
and renamed into place, so a half-created store never exists under its name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
import numpy as np

from ..version import __version__
from ..errors import InputError
from .checksum import DIGEST_BYTES, chunk_checksum
from .outcomes import ArmOutcomes
from .shard import Shard
from .spec import TrialSpec

FORMAT = "ketasim-trial"
FORMAT_VERSION = 2          # 2: the done flag is the chunk's checksum (1: a bool)
SCORES = ("madrs", "hamd", "drug_part", "placebo_part", "regression_part")   # (n, V) float64 arrays
PER_PATIENT = {"baseline_madrs": ("f8", np.nan), "dropout_day": ("f8", np.nan), "cadss_peak": ("f8", np.nan),
               "dropout_side_effect": ("bool", False), "patient": ("i8", -1)}
COVARIATES = "covariates"
DONE = "done"
NOT_DONE = "not done"       # ChunkCheck.reason of a chunk whose flag was never set (no status line)


class TrialStoreError(InputError):
    """The output folder holds a store of another trial, or something else."""


@dataclass(frozen=True)
class ChunkCheck:
    """Whether chunk `index` of `arm` (patients start..start+size-1) can be trusted, and if not why.

    reason: "" when trusted; NOT_DONE when its done flag was never set; otherwise what
    failed (flag unreadable, an array missing, unreadable, of the wrong shape, or not
    matching the checksum recorded with the flag).
    """

    arm: str
    index: int
    start: int
    size: int
    reason: str = ""

    @property
    def trusted(self) -> bool:
        return not self.reason

    @property
    def status(self) -> str:
        """One status line: which chunk and why it is recomputed."""
        return (f"chunk {self.index} of arm {self.arm} (patients {self.start}-{self.start + self.size - 1}): "
                f"{self.reason}; recomputing it")


def _array_layout(spec: TrialSpec) -> dict[str, tuple[tuple[int, ...], tuple[int, ...], str, object]]:
    """name -> (shape, chunks, dtype, fill) of every fixed array of an arm."""
    v = len(spec.visits)
    out = {name: ((spec.n, v), (spec.chunk, v), "f8", np.nan) for name in SCORES}
    out.update({name: ((spec.n,), (spec.chunk,), dtype, fill) for name, (dtype, fill) in PER_PATIENT.items()})
    out[DONE] = ((len(spec.chunks()), DIGEST_BYTES), (1, DIGEST_BYTES), "u1", 0)
    return out


def _create_array(group, name: str, layout) -> None:
    shape, chunks, dtype, fill = layout
    group.create_array(name, shape=shape, chunks=chunks, dtype=dtype, fill_value=fill, overwrite=True)


def _create_arm(root, spec: TrialSpec, arm) -> None:
    """The arm's group with every array empty (replacing whatever was there)."""
    g = root.create_group(arm.name, overwrite=True)
    g.attrs.update({"name": arm.name, "hypotheses": dict(arm.hypotheses), "blinded": arm.blinded})
    for name, layout in _array_layout(spec).items():
        _create_array(g, name, layout)
    g.create_group(COVARIATES)


def _create(path: Path, spec: TrialSpec, shard: Shard | None = None) -> None:
    import zarr

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        root = zarr.create_group(store=str(tmp / "store"))
        v = len(spec.visits)
        visits = root.create_array("visits", shape=(v,), dtype="f8", chunks=(v,))
        visits[:] = np.asarray(spec.visits)
        for arm in spec.arms:
            _create_arm(root, spec, arm)
        root.attrs.update({
            "format": FORMAT, "format_version": FORMAT_VERSION, "ketasim_version": __version__,
            "trial_id": spec.trial_id, "title": spec.title, "seed": spec.seed, "cohort": spec.cohort,
            "species": spec.species, "n": spec.n, "chunk": spec.chunk, "spec_digest": spec.digest,
            "spec": spec.to_json(), "hypotheses": {a.name: dict(a.hypotheses) for a in spec.arms},
            **({"shard": shard.to_json()} if shard else {})})
        os.rename(tmp / "store", path)  # fails if the path appeared meanwhile
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def store_mismatch(attrs: dict, spec: TrialSpec) -> str:
    """Why a store with root attributes `attrs` cannot hold `spec`'s results ("" when it can):
    not a ketasim trial store, another ketasim version or store format, or another trial
    (naming the fields of the specification that differ)."""
    if attrs.get("format") != FORMAT:
        return "exists and is not a ketasim trial store"
    if attrs.get("ketasim_version") != __version__:
        return f"written by ketasim {attrs.get('ketasim_version')}, this is {__version__}"
    if attrs.get("format_version") != FORMAT_VERSION:
        return f"a trial store of format {attrs.get('format_version')}, this ketasim writes format {FORMAT_VERSION}"
    if attrs.get("spec_digest") != spec.digest:
        old = attrs.get("spec", {})
        old = old if isinstance(old, dict) else {}
        diff = [k for k in ("trial_id", "n", "seed", "chunk", "cohort", "species", "duration_days", "visits", "arms",
                            "parameters") if old.get(k) != spec.to_json().get(k)]
        return f"holds a different trial (differs in {', '.join(diff) or 'its specification'})"
    return ""


def open_group(path: str | Path, mode: str):
    """(root group, its attributes) of the Zarr group at `path` opened in `mode`, or None when
    the folder is not a Zarr group (zarr raises several exception types for that)."""
    import zarr

    try:
        root = zarr.open_group(str(path), mode=mode)
        return root, dict(root.attrs)
    except Exception:
        return None


def open_store(path: str | Path, spec: TrialSpec, create: bool = True, shard: Shard | None = None):
    """Open (or create) the store of `spec` at `path`; TrialStoreError if it holds another trial.

    shard: the `Shard` the store holds (recorded in the root attribute `shard` when it is
    created, and required to match when it is opened); None for the whole trial's store.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise TrialStoreError(f"{path}: no trial store")
        _create(path, spec, shard)
    opened = open_group(path, "r+")
    if opened is None:
        raise TrialStoreError(f"{path}: exists and is not a ketasim trial store; use another --out")
    root, attrs = opened
    why = store_mismatch(attrs, spec)
    if why:
        advice = "use another --out to keep both, or remove it" if why.startswith("holds") else "use another --out"
        raise TrialStoreError(f"{path}: {why}; {advice}")
    held = attrs.get("shard")
    if held != (shard.to_json() if shard else None):
        what = f"shard {held.get('index')}/{held.get('count')}" if isinstance(held, dict) else "the whole trial"
        raise TrialStoreError(f"{path}: holds {what} of this trial, not "
                              f"{'shard ' + shard.text if shard else 'the whole trial'}; use another --out")
    return root


def _fits(a, layout) -> bool:
    shape, chunks, dtype, _ = layout
    return tuple(a.shape) == shape and tuple(a.chunks) == chunks and a.dtype == np.dtype(dtype)


def repair_layout(root, spec: TrialSpec) -> list[str]:
    """Recreate (empty) every array or group of the store whose metadata is missing, unreadable or
    of the wrong shape, chunks or type; rewrite `visits` if it does not read as the spec's.

    Returns one status line per repair. The chunks that had data in a recreated array no
    longer match their checksums, so `check_chunks` sends them to be recomputed.
    """
    lines = []
    try:
        ok = np.array_equal(np.asarray(root["visits"][:], float), np.asarray(spec.visits, float))
    except Exception as exc:  # missing (KeyError) or unreadable (several zarr/codec errors)
        ok, why = False, _why(exc)
    else:
        why = "differs from the trial's"
    if not ok:
        _create_array(root, "visits", ((len(spec.visits),), (len(spec.visits),), "f8", np.nan))
        root["visits"][:] = np.asarray(spec.visits, float)
        lines.append(f"visits: {why}; rewritten")
    for arm in spec.arms:
        try:
            g = root[arm.name]
            _ = g.attrs["name"]
        except Exception as exc:
            _create_arm(root, spec, arm)
            lines.append(f"arm {arm.name}: its group is {_why(exc)}; recreated empty, all its chunks are recomputed")
            continue
        for name, layout in _array_layout(spec).items():
            try:
                fits = _fits(g[name], layout)
                why = "of the wrong shape, chunks or type"
            except Exception as exc:
                fits, why = False, _why(exc)
            if not fits:
                _create_array(g, name, layout)
                lines.append(f"arm {arm.name}: array {name} is {why}; recreated empty")
        lines += _repair_covariates(root, spec, arm.name)
    return lines


def _repair_covariates(root, spec: TrialSpec, arm: str) -> list[str]:
    """Remove covariate arrays that do not open or have the wrong shape (they are rewritten with
    the chunks that fail their checksums); recreate the covariates group if it does not open."""
    g = root[arm]
    try:
        cov = g[COVARIATES]
        _ = dict(cov.attrs)
    except Exception as exc:
        g.create_group(COVARIATES, overwrite=True)
        return [f"arm {arm}: group {COVARIATES} is {_why(exc)}; recreated empty"]
    folder = Path(root.store.root) / arm / COVARIATES
    lines = []
    for entry in sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        try:
            a = cov[entry]
            fits = tuple(a.shape) == (spec.n,) and tuple(a.chunks) == (spec.chunk,)
            if "codes" in a.attrs:
                fits = fits and isinstance(a.attrs["codes"], list)
            why = "of the wrong shape or chunks"
        except Exception as exc:
            fits, why = False, _why(exc)
        if not fits:
            shutil.rmtree(folder / entry, ignore_errors=True)
            lines.append(f"arm {arm}: array {COVARIATES}/{entry} is {why}; removed")
    return lines


def _why(exc: BaseException) -> str:
    """A few words for why a store member could not be opened or read."""
    return "missing" if isinstance(exc, KeyError) else f"unreadable ({type(exc).__name__})"


def chunk_arrays(result) -> dict[str, np.ndarray]:
    """The arrays of a `ChunkResult` as the store holds them (name -> values in the stored dtype;
    covariates as `covariates/<name>`, text as strings): what its checksum covers."""
    nan = np.full(np.shape(result.madrs), np.nan)
    out = {name: np.asarray(nan if getattr(result, name) is None else getattr(result, name), dtype="f8")
           for name in SCORES}
    out.update({name: np.asarray(getattr(result, name), dtype=dtype) for name, (dtype, _) in PER_PATIENT.items()})
    for name, values in result.covariates.items():
        values = np.asarray(values)
        out[f"{COVARIATES}/{name}"] = values.astype(str) if values.dtype.kind in "USO" else values.astype("f8")
    return out


class ChunkReadError(Exception):
    """A chunk's array is missing or cannot be read (the message names it)."""


def read_chunk(root, spec: TrialSpec, arm: str, index: int) -> dict[str, np.ndarray]:
    """The stored arrays of one chunk (as `chunk_arrays` names them). Raises ChunkReadError."""
    start, size = spec.chunks()[index]
    sl = slice(start, start + size)
    g = root[arm]
    out = {}
    for name in (*SCORES, *PER_PATIENT):
        out[name] = _read(g, name, sl)
    cov = _open(g, COVARIATES, COVARIATES)
    for name in sorted(_member_names(cov)):
        a = _open(cov, name, f"{COVARIATES}/{name}")
        data = _read(cov, name, sl, a)
        try:
            out[f"{COVARIATES}/{name}"] = decoded(a, data)
        except IndexError:
            raise ChunkReadError(f"array {COVARIATES}/{name} holds codes outside its code table") from None
    return out


def _member_names(group) -> list[str]:
    try:
        return list(group.array_keys())
    except Exception as exc:
        raise ChunkReadError(f"the {COVARIATES} group cannot be listed ({type(exc).__name__})") from None


def _open(group, name: str, label: str):
    try:
        return group[name]
    except Exception as exc:
        raise ChunkReadError(f"array {label} is {_why(exc)}") from None


def _read(group, name: str, sl: slice, array=None) -> np.ndarray:
    a = array if array is not None else _open(group, name, name)
    try:
        return np.asarray(a[sl])
    except Exception as exc:
        raise ChunkReadError(f"array {name} cannot be read ({type(exc).__name__})") from None


def _expected_shapes(spec: TrialSpec, size: int) -> dict[str, tuple[int, ...]]:
    return {**{name: (size, len(spec.visits)) for name in SCORES}, **{name: (size,) for name in PER_PATIENT}}


def done_flag(g, index: int) -> np.ndarray | None:
    """The done flag of chunk `index` of the arm group `g` (32 bytes: zero, or the checksum of the
    chunk's arrays), None if it cannot be read or has the wrong shape."""
    try:
        flag = np.asarray(g[DONE][index], dtype=np.uint8)
    except Exception:
        return None
    return flag if flag.shape == (DIGEST_BYTES,) else None


def check_chunk(root, spec: TrialSpec, arm: str, index: int) -> ChunkCheck:
    """Whether chunk `index` of `arm` is complete: its flag is set and its arrays exist, read,
    have the expected shape and match the checksum the flag records."""
    start, size = spec.chunks()[index]

    def result(reason: str) -> ChunkCheck:
        return ChunkCheck(arm, index, start, size, reason)

    g = root[arm]
    flag = done_flag(g, index)
    if flag is None:
        return result("its done flag cannot be read")
    if not flag.any():
        return result(NOT_DONE)
    try:
        arrays = read_chunk(root, spec, arm, index)
    except ChunkReadError as exc:
        return result(str(exc))
    for name, shape in _expected_shapes(spec, size).items():
        if arrays[name].shape != shape:
            return result(f"array {name} has shape {arrays[name].shape}, not {shape}")
    if chunk_checksum(arrays) != flag.tobytes():
        return result("its arrays do not match the checksum recorded with its done flag")
    return result("")


def check_chunks(root, spec: TrialSpec) -> tuple[ChunkCheck, ...]:
    """Every chunk of every arm checked (`check_chunk`), arms in the spec's order."""
    return tuple(check_chunk(root, spec, a.name, c) for a in spec.arms for c in range(len(spec.chunks())))


def done_flags(root, spec: TrialSpec) -> dict[str, np.ndarray]:
    """arm name -> (chunks,) bool: which chunks have their done flag set (not whether they verify:
    see `check_chunks`)."""
    out = {}
    for a in spec.arms:
        flags = [done_flag(root[a.name], c) for c in range(len(spec.chunks()))]
        out[a.name] = np.array([f is not None and bool(f.any()) for f in flags], dtype=bool)
    return out


def write_chunk(root, spec: TrialSpec, arm: str, index: int, result) -> None:
    """Write one finished chunk (a `ChunkResult`) of `arm`, then its done flag: the checksum of
    its arrays (`chunk_arrays`), so that a later run can verify what it trusts.

    Checks that it is the chunk asked for: patients start..start+size-1, the trial's visits.
    """
    start, size = spec.chunks()[index]
    patient = np.asarray(result.patient)
    if not np.array_equal(patient, np.arange(start, start + size)):
        raise RuntimeError(f"chunk {index} of arm {arm}: patients {patient[:3]}... are not {start}..{start + size - 1}")
    if not np.allclose(np.asarray(result.visits, float), spec.visits):
        raise RuntimeError(f"chunk {index} of arm {arm}: visits differ from the trial's")
    arrays = chunk_arrays(result)
    g = root[arm]
    g[DONE][index] = np.zeros(DIGEST_BYTES, np.uint8)  # not trusted while its arrays change
    sl = slice(start, start + size)
    for name in (*SCORES, *PER_PATIENT):
        g[name][sl] = arrays[name]
    for name in result.covariates:
        _write_covariate(g[COVARIATES], spec, name, arrays[f"{COVARIATES}/{name}"], sl)
    g[DONE][index] = np.frombuffer(chunk_checksum(arrays), dtype=np.uint8)


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


def decoded(array, data: np.ndarray) -> np.ndarray:
    """A covariate's stored values as a reader sees them: numbers as they are, text codes
    (int16, the code table in the array's `codes` attribute) as strings, code -1 (never
    written) as "". IndexError for a code outside the table (a damaged array)."""
    if "codes" not in array.attrs:
        return data
    table = np.array(list(array.attrs["codes"]) + [""], dtype=str)
    if data.size and (data.min() < -1 or data.max() >= len(table) - 1):
        raise IndexError("code outside the code table")
    return table[data]


def read_arm(root, spec: TrialSpec, arm: str) -> ArmOutcomes:
    """One arm's outcomes from the store (covariates in name order, codes decoded to strings)."""
    g = root[arm]
    cov = {}
    for name, a in sorted(g[COVARIATES].arrays(), key=lambda item: item[0]):
        cov[name] = decoded(a, a[:])
    parts = {name: g[name][:] for name in SCORES[2:]}
    return ArmOutcomes(visits=np.asarray(root["visits"][:]), madrs=g["madrs"][:], hamd=g["hamd"][:], parts=parts,
                       baseline_madrs=g["baseline_madrs"][:], dropout_day=g["dropout_day"][:],
                       dropout_side_effect=g["dropout_side_effect"][:], cadss_peak=g["cadss_peak"][:],
                       patient=g["patient"][:], covariates=cov)
