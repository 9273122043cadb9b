"""Text packs: shipped only where the licence allows; a clinic's licensed pack validates."""

import json

import pytest

from orthoregen.instruments import TextPackError, get_instrument, instrument_ids
from orthoregen.instruments.definitions import format_code
from orthoregen.instruments.textpacks import (
    install_text_pack,
    load_text_pack,
    shipped_text_packs,
    text_pack_for,
)


def placeholder_pack(instrument_id: str) -> dict:
    """A pack with invented placeholder wording, standing in for a clinic's licensed text."""
    instrument = get_instrument(instrument_id)
    return {
        "instrument": instrument_id,
        "language": "en",
        "title": f"{instrument_id} (test title)",
        "instructions": "Test instructions.",
        "source": "test licence 0001",
        "items": {
            item.id: {
                "text": f"{instrument_id.upper()} item {item.id} (test wording)",
                "options": {format_code(c): f"code {format_code(c)} (test)" for c in item.options},
            }
            for item in instrument.items
        },
    }


def write(tmp_path, data, name="pack.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_shipped_packs_validate_and_are_only_for_freely_licensed_instruments():
    shipped = {load_text_pack(path).instrument_id for path in shipped_text_packs()}
    # docs/instruments.md#licences-and-item-wording: VAS/NRS, SANE, Harris, Constant and ASES
    # may ship their wording.
    assert {"vas_pain", "nrs_pain", "sane", "hhs", "mhhs", "constant", "ases"} <= shipped
    for instrument_id in shipped:
        assert get_instrument(instrument_id).licence.ships_wording, instrument_id


@pytest.mark.parametrize(
    "instrument_id",
    [i for i in instrument_ids() if not get_instrument(i).licence.ships_wording],
)
def test_no_pack_ships_for_licensed_instruments(instrument_id):
    assert text_pack_for(instrument_id, "en") is None


def test_a_licensed_pack_loads_installs_and_is_found(tmp_path):
    source = write(tmp_path, placeholder_pack("koos"))
    pack = load_text_pack(source)
    assert pack.item("P1").text == "KOOS item P1 (test wording)"
    assert pack.item("P1").label(4) == "code 4 (test)"
    installed = install_text_pack(source, tmp_path / "textpacks")
    assert installed == tmp_path / "textpacks" / "koos.en.json"
    assert text_pack_for("koos", "en", extra_dirs=[tmp_path / "textpacks"]) == pack
    assert text_pack_for("koos", "fr", extra_dirs=[tmp_path / "textpacks"]) is None


def test_installed_pack_takes_precedence_over_a_shipped_one(tmp_path):
    data = placeholder_pack("sane")
    install_text_pack(write(tmp_path, data), tmp_path / "packs")
    found = text_pack_for("sane", "en", extra_dirs=[tmp_path / "packs"])
    assert found.item("SANE").text == "SANE item SANE (test wording)"


def _without_item(data):
    del data["items"]["P1"]


def _with_extra_item(data):
    data["items"]["P10"] = {"text": "x", "options": {}}


def _without_option(data):
    del data["items"]["A3"]["options"]["2"]


def _with_extra_option(data):
    data["items"]["A3"]["options"]["5"] = "five"


def _with_empty_text(data):
    data["items"]["Q1"]["text"] = " "


def _with_unknown_key(data):
    data["copyright"] = "x"


def _with_bad_language(data):
    data["language"] = "English"


def _for_unknown_instrument(data):
    data["instrument"] = "koos_xyz"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_without_item, "item 'P1' is missing"),
        (_with_extra_item, "item 'P10' is not in koos"),
        (_without_option, "item 'A3' is missing option 2"),
        (_with_extra_option, "item 'A3' has unexpected option '5'"),
        (_with_empty_text, "item 'Q1' text must be a non-empty string"),
        (_with_unknown_key, "unexpected key 'copyright'"),
        (_with_bad_language, "language 'English' is not a tag"),
        (_for_unknown_instrument, "unknown instrument 'koos_xyz'"),
    ],
)
def test_a_spoilt_pack_is_rejected_with_the_problem_named(tmp_path, spoil, message):
    data = placeholder_pack("koos")
    spoil(data)
    with pytest.raises(TextPackError, match=message):
        load_text_pack(write(tmp_path, data))
    with pytest.raises(TextPackError):
        install_text_pack(write(tmp_path, data), tmp_path / "textpacks")
    assert not (tmp_path / "textpacks" / "koos.en.json").exists()


def test_not_json_is_rejected(tmp_path):
    path = tmp_path / "pack.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TextPackError, match="not valid UTF-8 JSON"):
        load_text_pack(path)


def test_a_pack_is_read_once_until_a_new_one_is_installed(tmp_path, monkeypatch):
    """Packs are kept per process (every questionnaire page asks for them), but a pack
    installed over the old one is read anew, and one that breaks its checks is never kept."""
    from orthoregen.instruments import textpacks

    reads = []
    load = textpacks.load_text_pack

    def counting(path):
        if str(path).endswith("sane.en.json"):  # install_text_pack reads its source too
            reads.append(path)
        return load(path)

    monkeypatch.setattr(textpacks, "load_text_pack", counting)
    data = placeholder_pack("sane")
    install_text_pack(write(tmp_path, data), tmp_path / "packs")
    first = text_pack_for("sane", "en", extra_dirs=[tmp_path / "packs"])
    assert text_pack_for("sane", "en", extra_dirs=[tmp_path / "packs"]) is first
    assert len(reads) == 1

    data["items"]["SANE"]["text"] = "Reworded by the clinic's licence holder"
    install_text_pack(write(tmp_path, data), tmp_path / "packs")
    second = text_pack_for("sane", "en", extra_dirs=[tmp_path / "packs"])
    assert second.item("SANE").text == "Reworded by the clinic's licence holder"
    assert len(reads) == 2

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sane.en.json").write_text("{not json", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(TextPackError, match="not valid UTF-8 JSON"):
            text_pack_for("sane", "en", extra_dirs=[broken])
    assert len(reads) == 4
