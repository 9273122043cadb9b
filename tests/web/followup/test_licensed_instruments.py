"""A proprietary instrument is offered to patients only with its text pack AND a site licence."""

import datetime as dt
import json

from orthoregen.instruments import get_instrument
from orthoregen.instruments.definitions import format_code
from orthoregen.web.accounts.models import InstrumentLicence
from orthoregen.web.followup.questionnaires import patient_instruments


def install_placeholder_pack(directory, instrument_id):
    """Install invented wording standing in for a clinic's licensed pack."""
    instrument = get_instrument(instrument_id)
    code = format_code
    pack = {
        "instrument": instrument_id, "language": "en", "title": f"{instrument_id} (test)",
        "instructions": "Test instructions.", "source": "test licence 0001",
        "items": {item.id: {"text": f"{item.id} (test wording)",
                            "options": {code(c): f"code {code(c)}" for c in item.options}}
                  for item in instrument.items},
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{instrument_id}.en.json").write_text(json.dumps(pack))


def offered(visit):
    return [choice.instrument_id for choice in patient_instruments(visit)]


def test_pack_without_licence_is_not_offered(settings, tmp_path, visit_a):
    settings.DATA_DIR = tmp_path
    install_placeholder_pack(tmp_path / "textpacks", "womac_lk31")
    assert offered(visit_a) == ["nrs_pain"]


def test_pack_with_a_current_licence_is_offered_at_that_site(settings, tmp_path, visit_a):
    settings.DATA_DIR = tmp_path
    install_placeholder_pack(tmp_path / "textpacks", "womac_lk31")
    InstrumentLicence.objects.create(site=visit_a.schedule.episode.patient.site,
                                     instrument_id="womac_lk31", licence_reference="MRT-1",
                                     valid_from=dt.date(2020, 1, 1))
    assert offered(visit_a) == ["nrs_pain", "womac_lk31"]


def test_licence_without_a_pack_is_not_offered(settings, tmp_path, visit_a):
    settings.DATA_DIR = tmp_path
    InstrumentLicence.objects.create(site=visit_a.schedule.episode.patient.site,
                                     instrument_id="koos", licence_reference="MRT-2",
                                     valid_from=dt.date(2020, 1, 1))
    assert offered(visit_a) == ["nrs_pain"]
