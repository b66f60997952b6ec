"""Documented limits on what one request may cost, checked before any work is expanded.

Every entry point (experiment and trial files at load and in the plan, the command line,
the explorer) refuses input beyond these limits with one line naming the field and the
limit (`LimitError`, an `InputError`), *before* repeats are expanded, patients drawn or a
time grid allocated. Each limit is a named constant with the reason for its value; the
user guide (docs/guide.md, "Limits") lists them. They bound work, not science: each is
well above what any experiment of the library or a published protocol needs.
"""

from __future__ import annotations

from .errors import InputError

MAX_QUANTITY_CHARS = 64
"""Characters in one quantity string ('0.5 mg/kg', '40 min'), checked before parsing.

pint's parser is quadratic in the length of its input (100,000 characters took two
minutes); the longest quantity a file or form needs ('-66 mV', '0.0125 mg/kg') is a
tenth of this. Messages show at most `SHOWN_CHARS` of what was typed."""

SHOWN_CHARS = 24
"""Characters of a refused text echoed in a message (then '...'): enough to recognise it."""

MAX_TEXT_CHARS = 200
"""Characters in any other free-text input of the explorer (a drug, a genotype, a switch)."""

MAX_NAME_CHARS = 64
"""Characters in a name of an experiment file (an id, drug, route, genotype, arm, observable,
unit, hypothesis or parameter name): the longest in the library has 44; a name is echoed
in messages, so a long one is refused by length first."""

MAX_DURATION_MIN = 2 * 365.25 * 1440.0
"""Simulated time, minutes: two years.

The longest follow-up in the library is 730 d (maintenance and dependence studies); the
slow layers (spines, mood) settle within weeks, and the default output grid, the solver's
step count and the memory of one run grow linearly with the duration (100,000 d took
62 s and 11 GB before failing)."""

MAX_REPEAT_COUNT = 1000
"""Doses in one repeated dose entry (`repeat.count`, `--repeat-count`).

Daily dosing for the whole two-year duration limit is 731 doses; each repeat is a
dosing segment the solver restarts at, and repeats are expanded into events in memory
(10^6 took 4.6 s and 190 MB)."""

MAX_DOSE_EVENTS = 2000
"""Dose events (every repeat of every entry, infusions included) in one regimen: two
entries at the repeat limit, e.g. a drug and a procedure dosed daily for two years."""

MAX_PATIENTS_PER_ARM = 20_000
"""Virtual patients per trial arm (`population.n`).

Larger than the largest antidepressant trial modelled (STAR*D enrolled 2,876); the trial
engine's time and disk grow linearly with the number of patients."""

MAX_ARMS = 8
"""Arms in one virtual trial: a dose-ranging trial with placebo and active comparators
fits; the library's trials have two."""

MAX_CHUNK = 10_000
"""Patients per chunk (`population.chunk`): one batched solve holds states x output
times x patients in memory, and a chunk is the unit of work a worker holds; the default
is 1,000 (`trial.spec.DEFAULT_CHUNK`)."""


MAX_SWEEP_POINTS = 1000
"""Concentrations or voltages of one in-vitro sweep, and steps of one time course: each is
a steady-state solve or a segment of the receptor scheme; the library's sweeps have 14."""

MAX_CLAMP_SAMPLES = 100_000
"""Samples of an in-vitro time course (`duration` / `sample`): the library's longest has
4,500; the sampled trace is held in memory and integrated point by point."""


MAX_OUTPUT_INTERVALS = 200_000
"""Output intervals of an exported time course (`ketasim export omex --duration / --step`):
two years at 10-min steps is 105,120; the engine that runs the archive holds every row of
every observable in memory."""


MAX_CIRCUIT_MS = 120_000.0
"""Simulated time of one spiking-circuit run (`ketasim circuit --duration`), milliseconds:
two minutes. The network (5,000 neurons at scale 1) runs at roughly real time to ten
times slower on one core, and its spike monitors grow with the duration; slow (delta)
rhythms need tens of seconds, not hours."""

MAX_MEASURES = 200
"""`[[measure]]` entries in one experiment file: each is evaluated (and, in the scorecard,
plotted) separately; the library's largest file has a handful."""


class LimitError(InputError):
    """Input beyond a documented limit (one line: the field, the limit, what was given)."""


def shown(text: object) -> str:
    """`repr` of what the user typed, cut to `SHOWN_CHARS` characters (long input is never echoed)."""
    s = str(text)
    return repr(s) if len(s) <= SHOWN_CHARS else repr(s[:SHOWN_CHARS]) + f"... ({len(s)} characters)"


def _prefix(field: str) -> str:
    return f"{field}: " if field else ""


def check_count(value: int, limit: int, field: str, what: str) -> int:
    """`value` when it is at most `limit`, else a `LimitError` naming `field` (empty: the
    experiment schema, whose loader names the field path) and the limit."""
    if value > limit:
        got = f"{value:,}" if value < 10**15 else f"{float(value):.3g}"
        raise LimitError(f"{_prefix(field)}at most {limit:,} {what} (got {got})")
    return value


def check_duration(minutes: float, field: str) -> float:
    """A simulated duration (minutes) within `MAX_DURATION_MIN`, else a `LimitError` naming
    `field` (empty: the schema's loader names it)."""
    if minutes > MAX_DURATION_MIN:
        raise LimitError(f"{_prefix(field)}at most 2 years ({MAX_DURATION_MIN / 1440:g} d) of simulated time "
                         f"(got {minutes / 1440:.4g} d)")
    return minutes
