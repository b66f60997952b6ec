"""Declared calibration sets (analysis/calibration_set.py) and the clinical layer's checked-in one."""

from pathlib import Path

import pytest

from ketasim.analysis.calibration_set import load_calibration_set
from ketasim.analysis.parameter_file import load_parameter_file
from ketasim.commands.fit import library_ids
from ketasim.errors import InputError
from ketasim.experiments.loader import load_experiment

DATA = Path(__file__).resolve().parent.parent / "src" / "ketasim" / "data" / "calibration"


def test_the_clinical_set_names_library_trials_and_at_most_a_third_of_the_clinical_experiments():
    cs = load_calibration_set(DATA / "clinical.toml")
    ids = library_ids()
    clinical = [i for i in ids if i.startswith("clinical-")]
    assert all(e in ids and load_experiment(ids[e]).protocol.arms for e in cs.experiments)
    assert 3 * len(cs.experiments) <= len(clinical)


def test_the_fitted_clinical_values_are_the_parameter_records_values_and_name_the_set():
    from ketasim.mechanisms.registry import build_model
    from ketasim.trial.statistics import statistical_registry

    cs = load_calibration_set(DATA / "clinical.toml")
    pf = load_parameter_file(DATA / "clinical_fitted.toml")
    assert set(pf.values) == set(cs.parameters)
    assert set(pf.provenance.experiments) == set(cs.experiments)
    model = build_model("human", {}, ("ketamine",))
    records = {**dict(model.parameters.items.items()), **statistical_registry()}
    for name, value in pf.values.items():
        rec = records[name]
        # the record carries the fitted value (to the printed precision) and its note names the set's file
        assert rec.value == pytest.approx(value, rel=5e-3), name
        assert "data/calibration/clinical.toml" in rec.note, name


@pytest.mark.parametrize("text, words", [
    ('experiments = ["a"]\nparameters = ["x.y"]\nextra = 1\n', "extra: unknown key"),
    ('experiments = []\nparameters = ["x.y"]\n', "experiments: must be a non-empty list"),
    ('experiments = ["a", "a"]\nparameters = ["x.y"]\n', "experiments: a name is listed twice"),
    ('experiments = ["a"]\nparameters = ["x.y"]\nmax_steps = 0\n', "max_steps: must be a whole number"),
    ('experiments = ["a"]\nparameters = ["x.y"]\n[bounds]\n"x.y" = [2, 1]\n', "bounds.x.y: must be [lower, upper]"),
    ('experiments = ["a"]\nparameters = ["x.y"]\n[bounds]\n"x.z" = [1, 2]\n', "bounds.x.z: not among the parameters"),
    ('experiments = ["a"]\nparameters = ["x.y"]\n[sources]\nb = "B 2020 (b2020)"\n', "sources.b: not among the experiments"),
    ('experiments = ["a"]\nparameters = ["x.y"]\n[sources]\na = ""\n', "sources.a: must be a non-empty text"),
])
def test_a_malformed_set_is_one_error_naming_the_key(tmp_path, text, words):
    path = tmp_path / "set.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"^--set: .*set\.toml: ") as info:
        load_calibration_set(path)
    assert words in str(info.value)
