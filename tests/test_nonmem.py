"""Issue 23: NONMEM-style datasets in and out (ketasim.nonmem) and the visual predictive check.

Reading is checked cell by cell (one line naming the row and column, exit 2, nothing
written); dose records survive table -> regimen -> table exactly and DoseEvents survive
regimen -> table -> regimen; the VPC's binning, percentiles and prediction correction are
checked against values computed by hand; one small dataset is simulated end to end.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from ketasim.cli import main
from ketasim.engine.dosing import DoseEvent
from ketasim.nonmem.compartments import DOSE_COMPARTMENTS, OBSERVATION_COMPARTMENTS
from ketasim.nonmem.conventions import DatasetError
from ketasim.nonmem.regimen import observation_record, regimen_records, subjects
from ketasim.nonmem.table import parse_table, read_table
from ketasim.nonmem.vpc import bin_percentiles, prediction_corrected, time_bins, vpc_statistics
from ketasim.nonmem.writing import csv_text, records_frame

EXAMPLE = Path(__file__).parents[1] / "src" / "ketasim" / "data" / "examples" / "ketamine_iv_nonmem.csv"
HEADER = "ID,TIME,AMT,RATE,EVID,CMT,II,ADDL,DV,MDV,WT"
GOOD = f"""{HEADER}
1,0,35,52.5,1,1,0,0,.,1,70
1,0.5,0,0,0,20,0,0,.,0,70
1,24,28,0,1,2,12,3,.,1,70
1,30,0,0,0,21,0,0,.,0,70
2,0,56,0,1,7,0,0,.,1,80
2,1,0,0,0,22,0,0,.,0,80
"""
SENTINEL = "sentinel: must survive\n"


def table_with(row: str, header: str = HEADER) -> str:
    """A table whose first dose and observation are fine and whose third data row is `row`."""
    return f"{header}\n1,0,35,52.5,1,1,0,0,.,1,70\n1,0.5,0,0,0,20,0,0,.,0,70\n{row}\n"


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    err = capsys.readouterr().err
    return info.value.code, [ln for ln in err.splitlines() if ln.strip()]


def key(e: DoseEvent) -> tuple:
    """A DoseEvent's values, less where it came from (`field`)."""
    return (e.drug, e.route, e.amount, e.per_kg, e.start, e.duration, e.every, e.count, e.procedure)


# ------------------------------------------------------------------------------ reading
def test_a_table_reads_into_regimens_observations_and_patients():
    subs = subjects(parse_table(GOOD, "t.csv"))
    assert [s.id for s in subs] == [1, 2]
    one, two = subs
    assert [key(e) for e in one.regimen] == [
        ("ketamine", "iv", 35.0, False, 0.0, 40.0, None, 1, None),           # 35 mg at 52.5 mg/h: 40 min
        ("ketamine", "oral", 28.0, False, 1440.0, None, 720.0, 4, None)]      # ADDL 3 every II 12 h: 4 doses
    assert [(o.time, o.observable) for o in one.observations] == [(30.0, "plasma_ketamine"),
                                                                  (1800.0, "plasma_norketamine")]
    assert one.patient.weight_kg == 70.0 and two.patient.weight_kg == 80.0
    assert key(two.regimen[0]) == ("esketamine", "intranasal", 56.0, False, 0.0, None, None, 1, None)


def test_rate_minus_two_takes_the_duration_from_dur_and_dur_alone_is_an_infusion():
    text = ("ID,TIME,AMT,RATE,DUR,EVID,CMT,DV\n1,0,35,-2,0.5,1,1,.\n1,1,10,0,0.25,1,1,.\n1,2,0,0,0,0,20,.\n")
    regimen = subjects(parse_table(text))[0].regimen
    assert [e.duration for e in regimen] == [30.0, 15.0]


def test_covariates_become_the_patient():
    text = ("ID,TIME,AMT,EVID,CMT,DV,WT,AGE,CYP2B6,BDNF,SEX\n1,0,35,1,1,.,82,41,2,1,2\n1,1,0,0,20,.,82,41,2,1,2\n")
    patient = subjects(parse_table(text))[0].patient
    assert (patient.weight_kg, patient.age_years, patient.cyp2b6, patient.bdnf) == (82.0, 41.0, "*6/*6", "val/met")


def test_the_example_dataset_is_read_and_says_it_is_simulated():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and "simulated" in first and "no patient data" in first
    subs = subjects(read_table(EXAMPLE))
    assert len(subs) == 8 and all(len(s.observations) == 13 for s in subs)


def test_the_registry_keeps_dose_and_observation_compartments_apart():
    assert not set(DOSE_COMPARTMENTS) & set(OBSERVATION_COMPARTMENTS)


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("text, words", [
    ("ID,TIME,AMT,EVID,CMT\n1,0,35,1,1\n", "missing required column DV"),
    ("ID,TIME,AMT,EVID,CMT,DV,DV\n1,0,35,1,1,.,.\n", "column DV appears twice"),
    (table_with("1,1,0,0,7,20,0,0,.,0,70"), "row 3 (line 4), column EVID: unknown EVID 7"),
    (table_with("1,1,0,0,2,20,0,0,.,0,70"), "row 3 (line 4), column EVID: an 'other' event (EVID 2) is not supp"),
    (table_with("1,1,35,0,4,1,0,0,.,1,70"), "row 3 (line 4), column EVID: a reset and dose (EVID 4) is not supp"),
    (table_with("1,1,35,0,3,1,0,0,.,1,70"), "column EVID: a reset (EVID 3)"),
    (table_with("1,1,0,0,0,99,0,0,.,0,70"), "row 3 (line 4), column CMT: unknown observation compartment 99"),
    (table_with("1,1,35,0,1,99,0,0,.,1,70"), "row 3 (line 4), column CMT: unknown dosing compartment 99"),
    (table_with("1,1,35,0,1,20,0,0,.,1,70"), "column CMT: CMT 20 is an observation compartment (plasma_ketamine)"),
    (table_with("1,1,0,0,0,1,0,0,.,0,70"), "column CMT: CMT 1 is a dosing compartment (ketamine iv)"),
    (table_with("1,-1,0,0,0,20,0,0,.,0,70"), "row 3 (line 4), column TIME: must not be negative"),
    (table_with("1,0.25,0,0,0,20,0,0,.,0,70"), "row 3 (line 4), column TIME: times of ID 1 are not sorted"),
    (table_with("1,0.5,0,0,0,20,0,0,.,0,70"), "row 3 (line 4): a duplicate of row 2"),
    (table_with("1,1,35,0,1,2,0,2,.,1,70"), "row 3 (line 4), column II: ADDL 2 needs the interval"),
    (table_with("1,1,35,0,1,2,12,0,.,1,70"), "row 3 (line 4), column ADDL: II 12 h without ADDL"),
    (table_with("1,1,3x5,0,1,2,0,0,.,1,70"), "row 3 (line 4), column AMT: expected a finite number, got '3x5'"),
    (table_with("1,1,35,0,1.5,2,0,0,.,1,70"), "row 3 (line 4), column EVID: expected a whole number, got '1.5'"),
    (table_with("1,1,inf,0,1,2,0,0,.,1,70"), "column AMT: expected a finite number, got 'inf'"),
    (table_with("1,1,0,0,1,2,0,0,.,1,70"), "column AMT: a dose needs a positive AMT"),
    (table_with("1,1,5,0,0,20,0,0,.,0,70"), "column AMT: an observation record (EVID 0) has no dose"),
    (table_with("1,1,35,-1,1,1,0,0,.,1,70"), "column RATE: RATE -1 (a rate estimated by the model) is not supp"),
    (table_with("1,1,35,-2,1,1,0,0,.,1,70"), "column DUR: RATE -2 means the infusion's duration is in DUR"),
    (table_with("1,1,35,10,1,2,0,0,.,1,70"), "row 3 (line 4), column RATE/DUR: only IV doses can be infusions"),
    (table_with("1,1,30,0,1,7,0,0,.,1,70"), "row 3 (line 4), column AMT: intranasal esketamine comes in 28 mg"),
    (table_with("1,1,0,0,0,20,0,0,.,0,75"), "row 3 (line 4), column WT: WT changes within ID 1"),
    (table_with("1,1,0,0,0,20,0,0,.,0,70\n2,0,0,0,0,20,0,0,.,0,70\n1,2,0,0,0,20,0,0,.,0,70"),
     "row 5 (line 6), column ID: ID 1 appears again after ID 2"),
    (table_with("2,0,0,0,0,20,0,0,.,0,70"), "row 3 (line 4): ID 2 has no dose record"),
    (table_with("2,0,35,0,1,1,0,0,.,1,500"), "row 3 (line 4), column WT: a human weighs 30 to 200 kg"),
    (table_with(",1,0,0,0,20,0,0,.,0,70"), "row 3 (line 4), column ID: missing"),
])
def test_a_malformed_table_is_refused_in_one_line_naming_the_row_and_column(text, words):
    with pytest.raises(DatasetError) as info:
        subjects(parse_table(text, "t.csv"))
    message = str(info.value)
    assert words in message and "\n" not in message, message
    assert message.startswith("t.csv")


def test_rows_are_counted_after_the_header_without_comment_lines_and_the_line_is_the_files():
    text = "# made up\n" + table_with("1,-1,0,0,0,20,0,0,.,0,70")
    with pytest.raises(DatasetError, match=r"row 3 \(line 5\), column TIME"):
        parse_table(text, "t.csv")


@pytest.mark.parametrize("command", ["simulate", "vpc"])
def test_the_cli_refuses_a_bad_table_in_one_line_and_writes_nothing(capsys, tmp_path, command):
    table = tmp_path / "bad.csv"
    table.write_text(table_with("1,1,35,0,2,1,0,0,.,1,70"))
    out = tmp_path / "out.csv"
    out.write_text(SENTINEL)
    code, lines = run_cli(capsys, "dataset", command, str(table), "--out", str(out))
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("error: ") and "row 3 (line 4), column EVID" in lines[0]
    assert out.read_text() == SENTINEL and [p.name for p in tmp_path.iterdir()] == ["bad.csv", "out.csv"]


def test_the_cli_refuses_a_missing_file_and_an_unwritable_output_before_reading(capsys, tmp_path):
    code, lines = run_cli(capsys, "dataset", "simulate", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and len(lines) == 1 and "nope.csv: cannot read file" in lines[0]
    code, lines = run_cli(capsys, "dataset", "simulate", str(EXAMPLE), "--out", str(tmp_path))
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: --out:")


def test_a_vpc_needs_observed_points(capsys, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(GOOD)
    code, lines = run_cli(capsys, "dataset", "vpc", str(table), "--out", str(tmp_path / "v.html"))
    assert code == 2 and len(lines) == 1 and "no observed concentration" in lines[0]


# ------------------------------------------------------------------------------ round trips
ROUND = """ID,TIME,AMT,RATE,EVID,CMT,II,ADDL,DV,MDV
1,0,35,52.5,1,1,0,0,.,1
1,0.5,0,0,0,20,0,0,.,1
1,24,28,0,1,2,12,3,.,1
1,48,10,7,1,6,0,0,.,1
1,50,0,0,0,21,0,0,.,1
2,0,56,0,1,7,0,0,.,1
2,0.1,84,0,1,7,24,6,.,1
2,1,0,0,0,22,0,0,.,1
"""


@pytest.mark.parametrize("text, infusion", [
    (ROUND, "RATE"),
    (ROUND.replace("RATE,", "RATE,DUR,").replace("52.5,", "-2,0.666666666667,").replace(",7,1,6", ",-2,1.42857142857,1,6")
     .replace("\n1,0.5,0,0,", "\n1,0.5,0,0,0,").replace("\n1,24,28,0,", "\n1,24,28,0,0,")
     .replace("\n1,50,0,0,", "\n1,50,0,0,0,").replace("\n2,0,56,0,", "\n2,0,56,0,0,")
     .replace("\n2,0.1,84,0,", "\n2,0.1,84,0,0,").replace("\n2,1,0,0,", "\n2,1,0,0,0,"), "DUR"),
])
def test_table_to_regimens_to_table_reproduces_the_dose_records_exactly(text, infusion):
    table = parse_table(text)
    columns = table.columns
    lines = text.splitlines()
    for s in subjects(table):
        written = csv_text(records_frame(regimen_records(s.id, s.regimen, infusion), columns)).splitlines()[1:]
        assert written == [lines[row] for row in s.dose_rows]


def test_regimen_to_table_to_regimen_reproduces_the_dose_events():
    regimens = {
        1: (DoseEvent("ketamine", "iv", 35.0, start=0.0, duration=40.0),
            DoseEvent("ketamine", "oral", "100 mg", start="1 d", every="12 h", count=4),
            DoseEvent("arketamine", "iv", 20.0, start=3000.0)),
        2: (DoseEvent("esketamine", "intranasal", 84.0, start=10.0, every="3.5 d", count=8),
            DoseEvent("ketamine", "sublingual", 25.0, start=17.0)),
    }
    records = []
    for ident, regimen in regimens.items():
        records += regimen_records(ident, regimen)
        records.append(observation_record(ident, 20000.0, "plasma_ketamine"))
    text = csv_text(records_frame(records))
    back = {s.id: s.regimen for s in subjects(parse_table(text))}
    assert {k: [key(e) for e in v] for k, v in back.items()} == {k: [key(e) for e in v] for k, v in regimens.items()}


def test_an_mg_per_kg_dose_is_written_in_mg_for_the_weight():
    rec = regimen_records(1, (DoseEvent("ketamine", "iv", "0.5 mg/kg", duration="40 min"),), weight_kg=80.0)[0]
    assert (rec.amt, rec.rate) == (40.0, 60.0)
    with pytest.raises(DatasetError, match="needs the subject's weight"):
        regimen_records(1, (DoseEvent("ketamine", "iv", "0.5 mg/kg"),))


# ------------------------------------------------------------------------------ VPC math
def test_each_distinct_time_is_a_bin_when_there_are_few():
    bins = time_bins([1, 0.5, 1, 2, 0.5, 4], max_bins=10)
    assert bins.index.tolist() == [1, 0, 1, 2, 0, 3]
    assert bins.edges.tolist() == [0.5, 0.75, 1.5, 3.0, 4.0]
    assert bins.mid.tolist() == [0.5, 1.0, 2.0, 4.0]


def test_many_times_are_cut_into_equal_count_bins_at_their_quantiles():
    times = np.arange(1.0, 13.0)            # 12 distinct times, 3 bins
    bins = time_bins(times, max_bins=3)
    # numpy linear quantiles of 1..12 at 1/3 and 2/3: 1 + 11/3 = 4.667 and 1 + 22/3 = 8.333
    assert bins.edges == pytest.approx([1.0, 14 / 3, 25 / 3, 12.0])
    assert bins.index.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert bins.mid.tolist() == [2.5, 6.5, 10.5]


def test_identical_times_share_a_bin_and_empty_bins_are_dropped():
    times = [1.0] * 8 + [2.0, 3.0, 4.0, 5.0]    # quantile edges at 1, 1 and 1.6...: repeated edges merge
    bins = time_bins(times, max_bins=3)
    assert bins.index[:8].tolist() == [0] * 8
    assert bins.count == len(np.unique(bins.index)) and bins.index.max() == bins.count - 1


def test_bin_percentiles_by_hand():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0])
    index = np.array([0, 0, 0, 0, 0, 1, 1])
    pct = bin_percentiles(values, index, 3)
    # bin 0: 1..5, linear interpolation: P5 = 1 + 0.05 * 4 = 1.2, P50 = 3, P95 = 1 + 0.95 * 4 = 4.8
    assert pct[0] == pytest.approx([1.2, 3.0, 4.8])
    # bin 1: 10, 20: P5 = 10 + 0.05 * 10 = 10.5, P50 = 15, P95 = 19.5
    assert pct[1] == pytest.approx([10.5, 15.0, 19.5])
    assert np.isnan(pct[2]).all()   # empty bin


def test_prediction_correction_by_hand():
    # one bin, PRED 1, 2, 4: median 2, so Y is scaled by 2/1, 2/2, 2/4; PRED 0 cannot be corrected
    out = prediction_corrected(np.array([10.0, 10.0, 10.0, 10.0]), np.array([1.0, 2.0, 4.0, 0.0]),
                               np.zeros(4, dtype=int), 1)
    assert out[:3] == pytest.approx([20.0, 10.0, 5.0]) and math.isnan(out[3])


def test_vpc_statistics_by_hand():
    times = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    observed = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    # three replicates: each a shifted copy of the observed data
    simulated = np.stack([observed + d for d in (0.0, 1.0, 2.0)])
    r = vpc_statistics("plasma_ketamine", times, observed, simulated)
    # observed bin 1 (1, 2, 3): P5 = 1.1, P50 = 2, P95 = 2.9; bin 2 (10, 20, 30): 11, 20, 29
    assert r.observed_pct == pytest.approx(np.array([[1.1, 2.0, 2.9], [11.0, 20.0, 29.0]]))
    # replicate d shifts every percentile by d: median over d = 0, 1, 2 is +1, and the
    # 2.5th and 97.5th percentiles of (0, 1, 2) are 0.05 and 1.95
    assert r.simulated_pct == pytest.approx(r.observed_pct + 1.0)
    assert r.simulated_ci[..., 0] == pytest.approx(r.observed_pct + 0.05)
    assert r.simulated_ci[..., 1] == pytest.approx(r.observed_pct + 1.95)
    assert r.replicates == 3 and [row["observations"] for row in r.rows()] == [3, 3]


# ------------------------------------------------------------------------------ end to end
SMALL = """# simulated test table (no patient data)
ID,TIME,AMT,RATE,EVID,CMT,DV,MDV,WT,NOTE
1,0,35,52.5,1,1,.,1,70,first
1,0.5,0,0,0,20,150,0,70,
1,1,0,0,0,20,100,0,70,x
1,1,0,0,0,21,60,0,70,
2,0,30,45,1,1,.,1,60,
2,0.5,0,0,0,20,170,0,60,
2,1,0,0,0,20,95,0,60,
"""


def test_dataset_simulate_fills_dv_with_the_simulated_values_and_copies_the_rest(capsys, tmp_path):
    from ketasim import Patient, simulate

    table = tmp_path / "small.csv"
    table.write_text(SMALL)
    out = tmp_path / "sim.csv"
    code, lines = run_cli(capsys, "dataset", "simulate", str(table), "--out", str(out))
    assert code == 0, lines
    written = out.read_text().splitlines()
    source = [ln for ln in SMALL.splitlines() if not ln.startswith("#")]
    assert written[0] == source[0] and len(written) == len(source)
    for a, b in zip(written[1:], source[1:]):
        wa, wb = a.split(","), b.split(",")
        if wb[4] == "1":
            assert a == b                            # dose records copied
        else:
            assert wa[:6] + wa[7:] == wb[:6] + wb[7:]   # only DV may differ
    ds = simulate([DoseEvent("ketamine", "iv", 35.0, duration=40.0)], Patient(weight_kg=70.0), 60.0,
                  times=[30.0, 60.0])
    dv = [float(ln.split(",")[6]) for ln in written[2:5]]
    expected = [float(ds.plasma_ketamine.sel(time=30.0)), float(ds.plasma_ketamine.sel(time=60.0)),
                float(ds.plasma_norketamine.sel(time=60.0))]
    assert dv == pytest.approx(expected, rel=1e-9)


@pytest.mark.slow
def test_a_small_vpc_end_to_end(capsys, tmp_path):
    """Two IDs, five virtual patients each, to 1 h, prediction-corrected (about 30 s: slow)."""
    table = tmp_path / "small.csv"
    table.write_text(SMALL)
    out = tmp_path / "vpc.html"
    with pytest.raises(SystemExit) as info:
        main(["dataset", "vpc", str(table), "--out", str(out), "--patients", "5", "--pred-corr", "--json"])
    captured = capsys.readouterr()
    assert info.value.code == 0, captured.err
    page = out.read_text()
    assert "<svg" in page and "pcVPC" in page and "plasma_norketamine" in page
    payload = json.loads(captured.out)
    assert [row["observations"] for row in payload["vpc"]["plasma_ketamine"]] == [2, 2]


def test_a_vpc_ending_in_png_is_a_png(tmp_path):
    from ketasim.nonmem.vpc_figure import write_vpc

    times = np.array([0.5, 0.5, 1.0, 1.0])
    result = vpc_statistics("plasma_ketamine", times, np.array([150.0, 170.0, 100.0, 95.0]),
                            np.array([[140.0, 160.0, 90.0, 99.0], [155.0, 175.0, 101.0, 92.0]]))
    png = tmp_path / "vpc.png"
    write_vpc(png, [result], "test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
