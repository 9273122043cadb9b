"""The `score` and `instruments` sub-commands, driven through their own argparse parser."""

import argparse
import io
import json

import pytest

from orthoregen.instruments import commands

from .helpers import every_item
from .test_textpacks import placeholder_pack


def run(argv, stdin="", monkeypatch=None):
    parser = argparse.ArgumentParser(prog="orthoregen")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return args.handler(args)


def test_score_reads_one_response_from_stdin_and_prints_five_subscales(monkeypatch, capsys):
    status = run(["score", "koos"], json.dumps(every_item("koos", 1)), monkeypatch)
    printed = json.loads(capsys.readouterr().out)
    assert status == 0
    # 100 − 1/4 × 100 = 75 for every subscale (KOOS Scoring 2012).
    assert printed["scores"] == {"pain": 75.0, "symptoms": 75.0, "adl": 75.0,
                                 "sport_rec": 75.0, "qol": 75.0}  # fmt: skip
    assert printed["reasons"] == {}
    assert printed["options"] == {"missing_rule": "2012"}


def test_score_reads_a_list_from_a_file_and_gives_reasons(tmp_path, capsys):
    path = tmp_path / "responses.json"
    path.write_text(json.dumps([{"P1": 0, "P2": 1, "P3": 2, "P4": 3}, {"Q1": 4, "Q2": 4}]))
    assert run(["score", "koos", str(path)]) == 0
    first, second = json.loads(capsys.readouterr().out)
    assert first["scores"]["pain"] is None
    assert first["reasons"]["pain"] == "Pain: 4 of 9 items answered, 5 needed"
    assert second["scores"]["qol"] == 0.0  # mean 4: 100 − 4/4 × 100


def test_score_passes_options(monkeypatch, capsys):
    responses = {"P1": 0, "P2": 0, "P3": 0, "P4": 0, "P5": 0, "P6": 0}
    assert (
        run(["score", "koos", "--option", "missing_rule=1998"], json.dumps(responses), monkeypatch)
        == 0
    )
    assert json.loads(capsys.readouterr().out)["scores"]["pain"] is None  # 1998: 7 needed


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["score", "koos"], '{"P1": 5}', "koos item 'P1': 5 is not allowed"),
        (["score", "koos"], '[{"P1": 1}, {"P1": true}]', "response 1: koos item 'P1'"),
        (["score", "koos"], "{", "standard input is not valid JSON"),
        (["score", "koos"], "3", "one response object or a list"),
        (["score", "koos"], "[3]", "response 0: is not a JSON object"),
        (["score", "nope"], "{}", "unknown instrument 'nope'"),
        (["score", "koos", "--option", "missing_rule"], "{}", "is not NAME=VALUE"),
        (["score", "koos", "/no/such/file.json"], "", "cannot read /no/such/file.json"),
        (["instruments", "show", "koos", "--option", "x=1"], "", "koos has no option 'x'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    argv, stdin, message, monkeypatch, capsys
):
    assert run(argv, stdin, monkeypatch) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_list_names_every_instrument(capsys):
    assert run(["instruments", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(commands.instrument_ids()) == 27
    assert lines[0].startswith("vas_pain")


def test_show_prints_the_definition_as_json(capsys):
    assert run(["instruments", "show", "koos"]) == 0
    shown = json.loads(capsys.readouterr().out)
    pain = next(s for s in shown["subscales"] if s["id"] == "pain")
    assert (
        pain["missing_rule"]
        == "scored when at least 5 items are answered (KOOS Scoring, August 2012)"
    )
    assert pain["loinc"] == "72102-7"
    assert shown["licence"]["ships_wording"] is False
    assert {t["kind"] for t in shown["thresholds"]} >= {"MDC95", "MIC"}


def test_load_text_installs_into_the_data_dir(tmp_path, monkeypatch, capsys):
    source = tmp_path / "koos.json"
    source.write_text(json.dumps(placeholder_pack("koos")))
    monkeypatch.setenv("ORTHOREGEN_DATA_DIR", str(tmp_path / "data"))
    assert run(["instruments", "load-text", str(source)]) == 0
    assert (tmp_path / "data" / "textpacks" / "koos.en.json").is_file()
    assert "installed" in capsys.readouterr().out


def test_load_text_refuses_a_spoilt_pack(tmp_path, capsys):
    data = placeholder_pack("koos")
    del data["items"]["P1"]
    source = tmp_path / "koos.json"
    source.write_text(json.dumps(data))
    assert run(["instruments", "load-text", str(source), "--dir", str(tmp_path / "t")]) == 2
    assert "item 'P1' is missing" in capsys.readouterr().err
    assert not (tmp_path / "t" / "koos.en.json").exists()


def test_default_text_dir_is_var_textpacks(monkeypatch):
    monkeypatch.delenv("ORTHOREGEN_DATA_DIR", raising=False)
    assert str(commands.default_text_dir()) == "var/textpacks"


def test_rounded_scores_follow_the_display_rule(monkeypatch, capsys):
    # P1–P9 = 0,1,2,3,4,0,1,2,3 → 55.5556 (KOOS Scoring 2012), shown to 1 dp as 55.6.
    codes = dict(zip([f"P{n}" for n in range(1, 10)], [0, 1, 2, 3, 4, 0, 1, 2, 3], strict=True))
    assert run(["score", "koos", "--rounded"], json.dumps(codes), monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["scores"]["pain"] == 55.6
