"""Names chosen from a known list: the one check and the one "did you mean" suggestion.

A drug, route, species, hypothesis switch and value, observable, cohort, endpoint, layer
or experiment id is a name from a list someone wrote once (the drug table, `HYPOTHESES`,
the assembled model's observables, ...). Every place that checks such a name refuses a
stranger with the same one line: the field the user typed, the name (cut by
`limits.shown`), the closest known name when one is close ("did you mean 'ketamine'?"),
and the list when it is short enough to read.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from .errors import InputError
from .limits import shown

SUGGESTION_CUTOFF = 0.6   # difflib's similarity ratio below which no name is suggested
LISTED_CHOICES = 24       # a list longer than this is not printed in a one-line refusal


def suggestion(name: object, choices: Iterable[str]) -> str | None:
    """The known name closest to `name` (ignoring case), or None when none is close.

    Why: a typo ('ketamin', 'Esketamine', 'opioid_gat') should point at the name meant."""
    options = [str(c) for c in choices]
    by_lower: dict[str, str] = {}
    for c in options:
        by_lower.setdefault(c.lower(), c)
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=SUGGESTION_CUTOFF)
    return by_lower[close[0]] if close else None


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' when a known name is close to `name`, else ''; for the end of a clause."""
    close = suggestion(name, choices)
    return f"; did you mean {close!r}?" if close is not None else ""


def one_of(choices: Iterable[str]) -> str:
    """' (one of a, b, c)' for a list short enough to print in one line, else ''."""
    options = [str(c) for c in choices]
    return f" (one of {', '.join(options)})" if 0 < len(options) <= LISTED_CHOICES else ""


def unknown_name(field: str, what: str, name: object, choices: Iterable[str]) -> str:
    """The one-line refusal of a name that is not in `choices`:
    "field: unknown what 'name'; did you mean 'x'? (one of a, b, c)"."""
    options = [str(c) for c in choices]
    prefix = f"{field}: " if field else ""
    return f"{prefix}unknown {what} {shown(name)}{did_you_mean(name, options)}{one_of(options)}"


def check_name(name: str, choices: Iterable[str], field: str, what: str,
               error: type[InputError] = InputError) -> str:
    """`name` when it is one of `choices`; otherwise `error` with the `unknown_name` line."""
    options = [str(c) for c in choices]
    if name not in options:
        raise error(unknown_name(field, what, name, options))
    return name
