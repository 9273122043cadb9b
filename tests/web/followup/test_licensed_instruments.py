"""A proprietary instrument is offered to patients only with its text pack AND a site licence."""

import datetime as dt
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_an_expired_licence_or_another_sites_is_not_offered(settings, tmp_path, visit_a,
                                                            site_b):
    settings.DATA_DIR = tmp_path
    install_placeholder_pack(tmp_path / "textpacks", "womac_lk31")
    InstrumentLicence.objects.create(site=visit_a.schedule.episode.patient.site,
                                     instrument_id="womac_lk31", licence_reference="MRT-3",
                                     valid_from=dt.date(2020, 1, 1),
                                     valid_until=dt.date(2021, 1, 1))
    InstrumentLicence.objects.create(site=site_b, instrument_id="womac_lk31",
                                     licence_reference="MRT-4", valid_from=dt.date(2020, 1, 1))
    assert offered(visit_a) == ["nrs_pain"]


def test_the_sites_licences_are_read_once_for_every_option(settings, tmp_path, visit_a):
    """The portal weighs each proprietary option of the protocol; one read serves them all."""
    settings.DATA_DIR = tmp_path
    site = visit_a.schedule.episode.patient.site
    for number, instrument_id in enumerate(("womac_lk31", "koos")):
        InstrumentLicence.objects.create(site=site, instrument_id=instrument_id,
                                         licence_reference=f"MRT-{number}",
                                         valid_from=dt.date(2020, 1, 1))
    install_placeholder_pack(tmp_path / "textpacks", "koos")
    with CaptureQueriesContext(connection) as queries:
        assert offered(visit_a) == ["nrs_pain", "koos"]
    licence_reads = [q for q in queries.captured_queries
                     if "accounts_instrumentlicence" in q["sql"]]
    assert len(licence_reads) == 1
