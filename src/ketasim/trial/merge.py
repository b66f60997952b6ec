"""Merge the stores of a trial's shards (`ketasim trial --shard I/N`) into the trial's store, `trial.zarr`.

Everything is checked before anything is written, and each refusal is one line naming the
option (`field`) and what is wrong: a path that is neither a shard store nor a folder
holding some; a shard of another trial (its specification digest differs: another file,
seed, patient count, chunk size, parameters, ketasim version or store format); the same
shard (I/N) or the same store given twice; a chunk held by two shards (overlap); a chunk
flagged done in a shard whose arrays fail verification (`store.check_chunk`: missing,
unreadable, or not matching the checksum its done flag records); a chunk held by no
shard (missing). Only then is each chunk copied: its arrays read from its shard, their
checksum compared with the shard's done flag once more, and written with
`store.write_chunk`, which records the same checksum, so the merged store is the store an
unsharded run writes (same arrays, same done flags) and everything read from it
(endpoints, summary, report) is the same. Merging again with the same shards rewrites
the same values; a store of another trial at the destination is refused as by a run.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError
from .checksum import chunk_checksum
from .chunk import ChunkResult
from .engine import STORE_NAME, TrialResult, read_complete, to_stderr
from .shard import SHARD_STORE, Shard, shard_number, store_shard
from .spec import TrialSpec
from .store import (COVARIATES, NOT_DONE, PER_PATIENT, SCORES, ChunkReadError, check_chunks, chunk_arrays,
                    done_flag, open_group, open_store, read_chunk, repair_layout, store_mismatch, write_chunk)

LISTED = 4   # chunks named in a refusal before "and K more"


class MergeError(InputError):
    """The shards given cannot be merged into the trial (one line naming the option)."""


@dataclass(frozen=True)
class ShardStore:
    """One shard's store, opened read-only: its path, the `Shard` it holds (from its root
    attributes), its zarr root group and the chunks it holds done and verified, as
    (arm index, chunk index)."""

    path: Path
    shard: Shard
    root: object
    chunks: tuple[tuple[int, int], ...]


def shard_paths(paths: Sequence[str | Path], field: str = "merge") -> list[Path]:
    """The shard stores named by `paths`: each a shard store (`trial.shard-I-of-N.zarr`) or a
    folder holding some (every such store in it, sorted by name). MergeError naming `field`
    for a path that does not exist, a folder holding none, or a store given twice."""
    if not paths:
        raise MergeError(f"{field}: no shard stores given")
    out: list[Path] = []
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise MergeError(f"{field}: {p} does not exist")
        if store_shard(p.name) is not None or (p / "zarr.json").exists():
            found = [p]
        elif p.is_dir():
            found = sorted((q for q in p.iterdir() if SHARD_STORE.match(q.name)), key=_shard_order)
            if not found:
                raise MergeError(f"{field}: {p} holds no shard stores (trial.shard-I-of-N.zarr, written by --shard)")
        else:
            raise MergeError(f"{field}: {p} is not a shard store or a folder holding shard stores")
        out += found
    seen: dict[Path, Path] = {}
    for p in out:
        key = p.resolve()
        if key in seen:
            raise MergeError(f"{field}: {p} is given twice")
        seen[key] = p
    return out


def _shard_order(path: Path) -> tuple[int, int]:
    s = store_shard(path.name)
    return (s.count, s.index) if s else (0, 0)


def open_shard(path: Path, spec: TrialSpec, field: str = "merge") -> ShardStore:
    """A shard store of `spec` opened read-only, its chunks verified (`store.check_chunks`).

    MergeError naming `field` if it is not a ketasim shard store, holds another trial, or has
    a chunk flagged done that fails verification (with the command that recomputes it)."""
    opened = open_group(path, "r")
    if opened is None:
        raise MergeError(f"{field}: {path} is not a ketasim trial store")
    root, attrs = opened
    why = store_mismatch(attrs, spec)
    if why:
        why = why.replace("exists and is not a ketasim trial store", "is not a ketasim trial store")
        if why.startswith("holds"):
            why += "; merge with the trial file and options (patients, parameters) the shards ran with"
        raise MergeError(f"{field}: {path} {why}")
    held = attrs.get("shard")
    try:
        shard = Shard(int(held["index"]), int(held["count"]))
    except (TypeError, KeyError, ValueError):
        raise MergeError(f"{field}: {path} is not a shard store (a shard is written by --shard I/N)") from None
    try:
        checks = check_chunks(root, spec)
    except Exception as exc:  # an arm's group missing or unreadable
        raise MergeError(f"{field}: {path} (shard {shard.text}) cannot be read ({type(exc).__name__}); "
                         f"run shard {shard.text} again (it repairs its store), then merge") from None
    bad = [c for c in checks if c.reason not in ("", NOT_DONE)]
    if bad:
        raise MergeError(f"{field}: {path} (shard {shard.text}): chunk {bad[0].index} of arm {bad[0].arm} "
                         f"(patients {bad[0].start}-{bad[0].start + bad[0].size - 1}): {bad[0].reason}; "
                         f"run shard {shard.text} again (it recomputes that chunk), then merge")
    names = spec.arm_names
    held_chunks = tuple((names.index(c.arm), c.index) for c in checks if c.trusted)
    return ShardStore(Path(path), shard, root, held_chunks)


def _chunk_text(spec: TrialSpec, a: int, c: int) -> str:
    start, size = spec.chunks()[c]
    return f"chunk {c} of arm {spec.arms[a].name} (patients {start}-{start + size - 1})"


def _listed(items: list[str]) -> str:
    more = len(items) - LISTED
    return ", ".join(items[:LISTED]) + (f" and {more} more" if more > 0 else "")


def check_shards(spec: TrialSpec, shards: Sequence[ShardStore],
                 field: str = "merge") -> dict[tuple[int, int], ShardStore]:
    """(arm index, chunk index) -> the shard holding it, for every chunk of `spec`.

    MergeError naming `field` for a shard (I/N) given twice, a chunk held by two shards, or
    chunks held by none (naming them, and the shard that runs them when every shard given
    has the same N)."""
    by_label: dict[Shard, ShardStore] = {}
    for s in shards:
        if s.shard in by_label:
            raise MergeError(f"{field}: shard {s.shard.text} is given twice: {by_label[s.shard].path} and {s.path}")
        by_label[s.shard] = s
    owner: dict[tuple[int, int], ShardStore] = {}
    overlaps: dict[tuple[int, int], list[ShardStore]] = defaultdict(list)
    for s in shards:
        for key in s.chunks:
            if key in owner:
                overlaps[key] = overlaps[key] or [owner[key]]
                overlaps[key].append(s)
            else:
                owner[key] = s
    if overlaps:
        (a, c), both = next(iter(overlaps.items()))
        where = " and ".join(f"{s.path} (shard {s.shard.text})" for s in both)
        raise MergeError(f"{field}: overlapping shards: {_chunk_text(spec, a, c)} is in {where}"
                         + (f", and {len(overlaps) - 1} more chunks are in more than one shard"
                            if len(overlaps) > 1 else "")
                         + "; merge one set of shards (one N, each shard once)")
    per_arm = len(spec.chunks())
    missing = [(a, c) for a in range(len(spec.arms)) for c in range(per_arm) if (a, c) not in owner]
    if missing:
        counts = {s.shard.count for s in shards}
        if len(counts) == 1:
            n = counts.pop()
            runs = sorted({shard_number(a, c, per_arm, n) for a, c in missing})
            hint = (f"; they belong to shard{'s' if len(runs) > 1 else ''} "
                    f"{', '.join(f'{i}/{n}' for i in runs)}: run (or resume) {'them' if len(runs) > 1 else 'it'} "
                    "with --shard, then merge")
        else:
            hint = "; run the shards that hold them, then merge"
        raise MergeError(f"{field}: missing chunks, in no shard given: "
                         f"{_listed([_chunk_text(spec, a, c) for a, c in missing])}{hint}")
    return owner


def _chunk_result(spec: TrialSpec, arrays: dict[str, np.ndarray]) -> ChunkResult:
    """A stored chunk's arrays (`store.read_chunk`) as the `ChunkResult` that wrote them."""
    prefix = f"{COVARIATES}/"
    return ChunkResult(patient=arrays["patient"], visits=np.asarray(spec.visits, float),
                       **{name: arrays[name] for name in SCORES},
                       **{name: arrays[name] for name in PER_PATIENT if name != "patient"},
                       covariates={k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})


def merge_shards(spec: TrialSpec, paths: Sequence[str | Path], out_dir: str | Path, field: str = "merge",
                 notify: Callable[[str], None] = to_stderr) -> TrialResult:
    """Merge the shard stores named by `paths` (`shard_paths`) into `out_dir/trial.zarr`.

    Checks everything first (`open_shard`, `check_shards`: MergeError naming `field`, nothing
    written), then copies every chunk from the shard that holds it (its checksum compared
    with the shard's done flag) and returns the whole trial as a run would
    (`chunks_merged`: the chunks copied). notify: one line per repair of an existing
    destination store (`store.repair_layout`; default: printed on stderr)."""
    t0 = time.perf_counter()
    shards = [open_shard(p, spec, field) for p in shard_paths(paths, field)]
    owner = check_shards(spec, shards, field)
    path = Path(out_dir) / STORE_NAME
    root = open_store(path, spec)
    lines = repair_layout(root, spec)
    for line in lines:
        notify(f"{path}: {line}")
    for (a, c), s in sorted(owner.items()):
        arm = spec.arms[a].name
        flag = done_flag(s.root[arm], c)
        try:
            result = _chunk_result(spec, read_chunk(s.root, spec, arm, c))
        except ChunkReadError as exc:
            raise MergeError(f"{field}: {s.path} (shard {s.shard.text}): {_chunk_text(spec, a, c)}: {exc} "
                             "(changed while merging?); merge again") from None
        if flag is None or chunk_checksum(chunk_arrays(result)) != flag.tobytes():
            raise MergeError(f"{field}: {s.path} (shard {s.shard.text}): {_chunk_text(spec, a, c)} changed while "
                             "merging; merge again")
        write_chunk(root, spec, arm, c, result)
    arms = read_complete(root, spec)
    return TrialResult(spec, path, arms, 0, 0, time.perf_counter() - t0, f"merge:{len(shards)} shards",
                       tuple(lines), chunks_merged=len(owner))
