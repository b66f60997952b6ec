"""One shard of a trial (`ketasim trial --shard I/N`, an HPC array job): which chunks it runs, where it stores them.

Shards are numbered from 1, as array-job indices usually are (SLURM `--array=1-N`, PBS
`-J 1-N`): `--shard 1/4` .. `--shard 4/4`. Every chunk of the trial, over all arms, has a
global number g = arm index × chunks per arm + chunk index (arms in the file's order,
chunks of `TrialSpec.chunks()`), and shard (g mod N) + 1 runs it, so the shards interleave
over the arms and hold equal numbers of chunks (± 1). Which shard runs a chunk changes
nothing in its results: a patient's outcome depends only on (seed, arm, cohort, patient
index). Shard I of N writes its own store, `trial.shard-I-of-N.zarr` in its output folder
(the usual layout, only its chunks flagged done), and no endpoints, summary or report;
`trial.merge` combines the shard stores into `trial.zarr`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..limits import shown

SHARD_TEXT = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,9})\s*$")          # "I/N"
SHARD_STORE = re.compile(r"^trial\.shard-(\d{1,9})-of-(\d{1,9})\.zarr$")  # a shard's store name


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1 <= index <= count): the chunks with global number g, g mod count == index - 1."""

    index: int
    count: int

    @property
    def text(self) -> str:
        """'I/N', as `--shard` takes it."""
        return f"{self.index}/{self.count}"

    @property
    def store_name(self) -> str:
        """The shard's store in its output folder, `trial.shard-I-of-N.zarr`."""
        return f"trial.shard-{self.index}-of-{self.count}.zarr"

    def owns(self, arm_index: int, chunk_index: int, chunks_per_arm: int) -> bool:
        """Whether this shard runs chunk `chunk_index` of the arm at `arm_index` (both 0-based)."""
        return shard_number(arm_index, chunk_index, chunks_per_arm, self.count) == self.index

    def chunks(self, spec) -> tuple[tuple[int, int], ...]:
        """(arm index, chunk index) of every chunk of `spec` (a `TrialSpec`) this shard runs, in order."""
        per_arm = len(spec.chunks())
        return tuple((a, c) for a in range(len(spec.arms)) for c in range(per_arm) if self.owns(a, c, per_arm))

    def to_json(self) -> dict:
        return {"index": self.index, "count": self.count}


def shard_number(arm_index: int, chunk_index: int, chunks_per_arm: int, count: int) -> int:
    """The 1-based shard (of `count`) that runs chunk `chunk_index` of the arm at `arm_index`."""
    return (arm_index * chunks_per_arm + chunk_index) % count + 1


def parse_shard(text: str | Shard, field: str = "shard") -> Shard:
    """`Shard` of 'I/N' (1-based: 1 <= I <= N); InputError naming `field` (one line) otherwise."""
    if isinstance(text, Shard):
        text = text.text
    m = SHARD_TEXT.match(text) if isinstance(text, str) else None
    if m is None:
        raise InputError(f"{field}: {shown(text)} is not I/N (shard I of N, numbered from 1, e.g. 2/4)")
    index, count = int(m.group(1)), int(m.group(2))
    if count < 1:
        raise InputError(f"{field}: {index}/{count}: N must be at least 1")
    if not 1 <= index <= count:
        raise InputError(f"{field}: {index}/{count}: I must be between 1 and N ({count}); shards are numbered from 1")
    return Shard(index, count)


def store_shard(name: str) -> Shard | None:
    """The `Shard` a store's file name says it holds (`trial.shard-I-of-N.zarr`), None for another name."""
    m = SHARD_STORE.match(name)
    if m is None or not 1 <= int(m.group(1)) <= int(m.group(2)):
        return None
    return Shard(int(m.group(1)), int(m.group(2)))
