"""`orthoregen score INSTRUMENT FILE.csv`: one output row per input row, a per-row error.

Expected scores are the guides' (named beside each); the command must only carry them.
"""

import csv
import io

import pytest

from .test_commands import run

KOOS_PAIN = [f"P{n}" for n in range(1, 10)]


def write_csv(tmp_path, rows, name="responses.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_output(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_file_is_detected_by_extension_and_keeps_one_row_per_input_row(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [
            ["patient", *KOOS_PAIN, "Q1", "Q2"],
            # P1-P9 = 0,1,2,3,4,0,1,2,3: 100 - 18/9/4 x 100 = 55.5556 (KOOS Scoring 2012);
            # Q1, Q2 = 4: QOL 0.
            ["A1", 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4],
            # Four pain items: below the 2012 minimum of 5, so no pain score and its reason.
            ["A2", 1, 1, 1, 1, "", "", "", "", "", "NA", 0],
        ],
    )
    assert run(["score", "koos", str(path)]) == 0
    out = capsys.readouterr()
    first, second = read_output(out.out)
    assert list(first)[:4] == ["patient", "instrument", "version", "options"]
    assert list(first)[-1] == "error"
    assert first["patient"] == "A1" and first["options"] == "missing_rule=2012"
    assert float(first["pain"]) == pytest.approx(55.5556, abs=5e-5)
    assert first["qol"] == "0"
    assert first["symptoms"] == "" and first["symptoms_reason"].startswith("Symptoms: 0 of 7")
    assert second["pain"] == "" and second["pain_reason"] == "Pain: 4 of 9 items answered, 5 needed"
    assert second["qol_reason"] == "QOL: 1 of 4 items answered, 2 needed"  # NA is not answered
    assert (first["error"], second["error"]) == ("", "")
    assert "columns copied, not scored (not koos items): patient" in out.err


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ([5, 1, 1, 1, 1], "koos item 'P1': 5 is not allowed; allowed: one of 0, 1, 2, 3, 4"),
        (["x", 1, 1, 1, 1], "koos item 'P1': 'x' is not a number"),
        (["nan", 1, 1, 1, 1], "koos item 'P1': 'nan' is not a number"),
        (["1,5", 1, 1, 1, 1], "koos item 'P1': '1,5' is not a number"),
        ([1, 1], "the row has 3 cells, the header 6"),
    ],
)
def test_a_bad_row_gets_its_error_and_the_rest_of_the_file_still_scores(
    tmp_path, capsys, cells, error
):
    header = ["patient", *KOOS_PAIN[:5]]
    path = write_csv(tmp_path, [header, ["good", 0, 0, 0, 0, 0], ["bad", *cells],
                                ["good too", 4, 4, 4, 4, 4]])  # fmt: skip
    assert run(["score", "koos", str(path)]) == 0
    good, bad, good_too = read_output(capsys.readouterr().out)
    # Five pain items answered (the 2012 minimum): all 0 gives 100, all 4 gives 0.
    assert (good["pain"], good_too["pain"]) == ("100", "0")
    assert error in bad["error"]
    assert bad["pain"] == "" and bad["patient"] == "bad"


def test_errors_are_counted_on_standard_error(tmp_path, capsys):
    path = write_csv(tmp_path, [["P1"], [1], [9], [7]])
    assert run(["score", "koos", str(path)]) == 0
    assert "2 of 3 rows not scored; see their error column" in capsys.readouterr().err


def test_format_csv_reads_standard_input(monkeypatch, capsys):
    # EQ-5D-5L 55555 under the England value set: -0.285 (Devlin 2018 abstract).
    stdin = "MO,SC,UA,PD,AD,VAS\n5,5,5,5,5,40\n"
    assert run(["score", "eq5d5l", "--format", "csv"], stdin, monkeypatch) == 0
    (row,) = read_output(capsys.readouterr().out)
    assert float(row["index"]) == pytest.approx(-0.285, abs=1e-9)
    assert row["vas"] == "40"


def test_options_and_rounding_apply_to_csv(tmp_path, capsys):
    # US value set, 55555: -0.573 (eq5d R package tests of Pickard 2019); 3 decimals shown.
    path = write_csv(tmp_path, [["MO", "SC", "UA", "PD", "AD"], [5, 5, 5, 5, 5]])
    argv = ["score", "eq5d5l", str(path), "--option", "value_set=us_pickard_2019", "--rounded"]
    assert run(argv) == 0
    (row,) = read_output(capsys.readouterr().out)
    assert (row["index"], row["options"]) == ("-0.573", "value_set=us_pickard_2019")


def test_a_byte_order_mark_and_blank_lines_are_ignored(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffP1,P2,P3,P4,P5\n1,1,1,1,1\n\n", encoding="utf-8")
    assert run(["score", "koos", str(path)]) == 0
    (row,) = read_output(capsys.readouterr().out)
    assert row["pain"] == "75"  # 100 - 1/4 x 100 (KOOS Scoring 2012)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the CSV is empty"),
        ("patient,visit\nA1,1\n", "no CSV column is an item of koos"),
        ("P1,P1\n1,1\n", "column 'P1' appears twice"),
        ("P1,error\n1,x\n", "CSV column 'error' would clash with an output column"),
    ],
)
def test_a_file_that_cannot_be_read_as_responses_exits_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert run(["score", "koos", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_a_missing_csv_file_is_reported(capsys):
    assert run(["score", "koos", "/no/such/file.csv"]) == 2
    assert "cannot read /no/such/file.csv" in capsys.readouterr().err


def test_json_still_works_for_a_json_file(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text('{"P1": 1, "P2": 1, "P3": 1, "P4": 1, "P5": 1}')
    assert run(["score", "koos", str(path)]) == 0
    assert '"pain": 75.0' in capsys.readouterr().out
