"""One colour per analyte, the same in every figure of the run report and the scorecard.

A reader who has learnt that norketamine is orange in the concentration figure should find
it orange in the cascade, in the small multiples and in the scorecard's plots; a colour
that changes meaning between panels misleads. So the analyte -> colour mapping is defined
here once, and every figure asks `series_colour` for the colour of a series by its name.

Names are matched by analyte: `plasma_norketamine`, `brain_norketamine` and
`formation_norketamine` are all norketamine. A trial arm named after its drug
(`ketamine`, `midazolam`, `esketamine`) takes that drug's colour; a placebo or saline arm
is grey. Any other series (BDNF, MADRS, ...) takes a colour from `OTHER_COLOURS` by its
position among the non-analyte series of its panel, a palette without the analytes' hues
doubled, so it is never mistaken for a drug.
"""

from __future__ import annotations

from typing import Mapping, Sequence

ANALYTE_COLOURS: Mapping[str, str] = {
    "ketamine": "#1f5fbf",             # blue
    "s_ketamine": "#3fa7d6",           # sky blue (esketamine)
    "r_ketamine": "#2e3d8f",           # navy (arketamine)
    "norketamine": "#d9480f",          # orange
    "s_norketamine": "#f59f00",        # amber
    "r_norketamine": "#8f3a0b",        # brown
    "hnk": "#2b8a3e",                  # green
    "dehydronorketamine": "#c2255c",   # magenta
    "midazolam": "#7048e8",            # violet
    "citalopram": "#0c8599",           # teal
    "amitriptyline": "#a61e4d",        # wine
    "naltrexone": "#5c940d",           # olive
    "rapamycin": "#495057",            # slate
}
"""Every analyte's colour: the drugs the model doses and ketamine's metabolites."""

ALIASES: Mapping[str, str] = {"esketamine": "s_ketamine", "arketamine": "r_ketamine", "dhnk": "dehydronorketamine",
                              "s_dhnk": "dehydronorketamine", "r_dhnk": "dehydronorketamine",
                              "s_hnk": "hnk", "r_hnk": "hnk"}
"""Other names of an analyte (drug names, metabolite abbreviations in observable names)."""

PREFIXES = ("plasma_", "brain_", "formation_")
"""Observable name prefixes before an analyte's name (`plasma_hnk`, `formation_s_norketamine`)."""

PLACEBO_COLOUR = "#868e96"
"""Grey: a placebo, saline or sham arm (no drug)."""

PLACEBO_WORDS = ("placebo", "saline", "sham")

PASS_COLOUR, MISS_COLOUR = "#1a7f37", "#cf222e"
"""A scored value inside its published tolerance (green) or outside it (red), in every figure."""

PUBLISHED_COLOUR = "#1d2330"
"""A published value and its range or interval, where a figure sets it beside a simulated one."""

NULL_COLOUR = "#868e96"
"""The line of no effect (odds ratio 1, difference 0) in a forest plot."""

OTHER_COLOURS: tuple[str, ...] = ("#332288", "#44aa99", "#999933", "#cc6677", "#117733", "#aa4499",
                                  "#ddcc77", "#88ccee", "#882255", "#000000")
"""Series that are not analytes, in order within a panel (Paul Tol's muted scheme, then black)."""


def analyte_of(name: str) -> str | None:
    """The analyte a series name stands for (`plasma_s_ketamine` -> `s_ketamine`), or None."""
    key = name.lower()
    for prefix in PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    key = ALIASES.get(key, key)
    return key if key in ANALYTE_COLOURS else None


def is_placebo(name: str) -> bool:
    """True for a series (a trial arm) named as a placebo, saline or sham."""
    return any(word in name.lower() for word in PLACEBO_WORDS)


def series_colour(name: str, position: int = 0) -> str:
    """The colour of a series: its analyte's, grey for a placebo arm, else the `position`-th other colour.

    position: the series' index among the panel's series that are neither analytes nor
    placebo (`panel_colours` counts them), so neighbours in a panel differ.
    """
    analyte = analyte_of(name)
    if analyte is not None:
        return ANALYTE_COLOURS[analyte]
    if is_placebo(name):
        return PLACEBO_COLOUR
    return OTHER_COLOURS[position % len(OTHER_COLOURS)]


def panel_colours(names: Sequence[str]) -> list[str]:
    """The colours of a panel's series, in order: analytes and placebo fixed, the others numbered among themselves."""
    out, k = [], 0
    for name in names:
        out.append(series_colour(name, k))
        if analyte_of(name) is None and not is_placebo(name):
            k += 1
    return out
