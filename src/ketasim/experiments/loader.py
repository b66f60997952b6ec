"""Reading experiment files, with one-line errors naming the file and field."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..choices import did_you_mean, unknown_name
from ..errors import InputError
from .sampling import at_sampling_site
from .schema import Experiment


class ExperimentFileError(InputError):
    """An experiment file cannot be read or does not follow the schema."""


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_experiment(data: dict, origin: str = "<data>") -> Experiment:
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = _field_path(tuple(p for p in err["loc"] if not str(p).startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            missing = [e["loc"][-1] for e in errors if e["type"] == "missing" and e["loc"][:-1] == err["loc"][:-1]]
            msg = "unknown key" + did_you_mean(err["loc"][-1], [str(m) for m in missing])
        elif err["type"] == "missing":
            msg = "required key missing"
        elif err["type"] == "literal_error":  # a name from a fixed list (species, statistic, endpoint, ...)
            choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
            msg = unknown_name("", "value", err.get("input"), choices)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ExperimentFileError(f"{origin}: {loc or 'file'}: {msg}{more}") from None
    try:
        return at_sampling_site(exp)
    except InputError as exc:
        raise ExperimentFileError(f"{origin}: {exc}") from None


def load_experiment(path: str | Path) -> Experiment:
    from ..files import read_toml

    path = Path(path)
    data = read_toml(path, str(path), ExperimentFileError)
    return parse_experiment(data, str(path))


def library_paths() -> list[Path]:
    """The experiment files shipped with the package, sorted by name."""
    root = resources.files("ketasim").joinpath("experiments/library")
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml"))


def library() -> list[Experiment]:
    return [load_experiment(p) for p in library_paths()]
