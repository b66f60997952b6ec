"""Schedule presets of the explorer: the regimens a user starts from, as experiment-file dose fields.

Each preset is one dose entry of an experiment file (`[[protocol.doses]]`: drug, route,
dose, infusion duration, repeat) plus the simulated time that shows its effect. The user
can edit every field afterwards; the presets only fill the form.

- single infusion: racemic ketamine 0.5 mg/kg IV over 40 min (the standard antidepressant
  infusion, Zarate 2006 / Murrough 2013), one day
- repeated course: six such infusions, three a week for two weeks (Murrough 2013b), three weeks
- esketamine: 56 mg intranasal (two 28 mg devices; 84 mg = three) twice weekly for four
  weeks (Spravato induction; TRANSFORM-2, Popova 2019), four weeks
- SSRI: citalopram 20 mg oral once daily for six weeks (20-40 mg is the licensed range), six weeks
- ECT: eight sessions, three a week (procedure "ect", as in the library's ECT experiment), four weeks
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """One schedule preset. Quantities are strings as an experiment file writes them.

    drug, route, dose: None for a procedure. infusion: IV infusion duration (None: a bolus
    or not IV). every, count: repeats (count 1: a single dose). duration: simulated time.
    dose_hint: the doses the label allows (shown next to the dose field).
    """

    key: str
    label: str
    drug: str | None
    route: str | None
    dose: str | None
    infusion: str | None
    every: str | None
    count: int
    duration: str
    procedure: str | None = None
    dose_hint: str = ""


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("single_infusion", "Single infusion (ketamine 0.5 mg/kg IV over 40 min)",
           "ketamine", "iv", "0.5 mg/kg", "40 min", None, 1, "24 h",
           dose_hint="0.5 mg/kg is the antidepressant dose; 0.1-1.0 mg/kg in dose-ranging trials"),
    Preset("repeated_course", "Repeated course (6 infusions, 3 a week for 2 weeks)",
           "ketamine", "iv", "0.5 mg/kg", "40 min", "56 h", 6, "21 d",
           dose_hint="0.5 mg/kg per infusion"),
    Preset("esketamine", "Esketamine intranasal twice weekly (56 or 84 mg)",
           "esketamine", "intranasal", "56 mg", None, "3.5 d", 8, "28 d",
           dose_hint="56 mg or 84 mg (28 mg devices, 5 min apart)"),
    Preset("ssri", "SSRI (citalopram 20-40 mg oral daily)",
           "citalopram", "oral", "20 mg", None, "1 d", 42, "42 d",
           dose_hint="20-40 mg once daily"),
    Preset("ect", "ECT (3 sessions a week, 8 sessions)",
           None, None, None, None, "56 h", 8, "28 d", procedure="ect"),
)}

DEFAULT_PRESET = "single_infusion"
