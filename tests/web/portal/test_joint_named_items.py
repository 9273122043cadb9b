"""The single-item questions (pain, SANE, global assessment) name the joint and side: a
two-joint patient must know which joint "the treated joint" is."""

import json

import pytest

from orthoregen.instruments.textpacks import shipped_text_packs, text_pack_for
from orthoregen.web.portal.forms import TREATED_JOINT, InstrumentForm, naming_the_joint

SINGLE_ITEMS = ("nrs_pain", "vas_pain", "sane", "pga_nrs", "pga_vas")


@pytest.mark.parametrize("instrument_id", SINGLE_ITEMS)
def test_every_single_item_names_the_joint_and_side(instrument_id):
    pack = text_pack_for(instrument_id, "en")
    form = InstrumentForm(instrument_id=instrument_id, pack=pack, joint="right knee")
    labels = [str(field.label) for field in form.fields.values()]
    assert all("your right knee" in label for label in labels), labels
    assert not any(TREATED_JOINT in label for label in labels)


def test_the_pain_question_reads_naturally():
    pack = text_pack_for("nrs_pain", "en")
    form = InstrumentForm(instrument_id="nrs_pain", pack=pack, joint="left hip")
    assert [str(f.label) for f in form.fields.values()] == [
        "How bad has the pain in your left hip been?"]


def test_without_a_joint_the_text_is_unchanged():
    assert naming_the_joint("How much pain in the treated joint?", "") == \
        "How much pain in the treated joint?"


def test_no_shipped_patient_text_says_treated_joint_except_where_it_is_named():
    """Every shipped item saying "the treated joint" is one of the items named above."""
    saying = {path.name.split(".")[0] for path in shipped_text_packs()
              if TREATED_JOINT in json.dumps(json.loads(path.read_text()))}
    assert saying <= set(SINGLE_ITEMS)
