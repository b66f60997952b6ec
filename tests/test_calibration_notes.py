"""The clinical joint fit's provenance text (calibration_notes.py) against the set it describes
(data/calibration/clinical.toml) and the records that carry it."""

import tomllib
from pathlib import Path

import ketasim
from ketasim.calibration_notes import CLINICAL_EXPERIMENTS, CLINICAL_FIT, CLINICAL_JOINT, clinical_joint_note
from ketasim.mechanisms.registry import build_model
from ketasim.trial.statistics import statistical_registry

SET = Path(ketasim.__file__).parent / "data" / "calibration" / "clinical.toml"


def test_the_text_is_read_from_the_set_file_and_the_last_runs_provenance():
    declared = tomllib.loads(SET.read_text())
    fitted = tomllib.loads((SET.parent / "clinical_fitted.toml").read_text())["provenance"]
    assert [e for e, _ in CLINICAL_EXPERIMENTS] == declared["experiments"]
    assert list(CLINICAL_JOINT) == declared["parameters"]
    # every experiment names its publication there (no label falls back to the bare id)
    assert all(label != e and "(" in label for e, label in CLINICAL_EXPERIMENTS)
    assert f"{fitted['iterations']} runs" in CLINICAL_FIT and f"{fitted['loss_final']:.4g}" in CLINICAL_FIT


def test_each_jointly_fitted_record_carries_it():
    stat = statistical_registry()
    mood = build_model("human", {}, frozenset({"ketamine"})).parameters
    for name in CLINICAL_JOINT:
        record = stat[name] if name.startswith("trial.") else mood[name]
        assert record.source == "fitted"
        assert record.note.startswith(clinical_joint_note(name)), name
        assert name not in clinical_joint_note(name)          # the others, not itself
        for experiment, _ in CLINICAL_EXPERIMENTS:
            assert experiment in record.note
