"""A proprietary instrument reaches patients only under a current site licence."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from orthoregen.web.accounts.licences import licence_problem
from orthoregen.web.accounts.models import InstrumentLicence

DAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize("instrument_id", ["nrs_pain", "vas_pain", "sane", "ases", "hhs"])
def test_instruments_with_shippable_wording_need_no_licence(site_a, instrument_id):
    assert licence_problem(site_a, instrument_id, DAY) is None


@pytest.mark.parametrize("instrument_id", ["koos", "hoos", "womac_lk31", "oks"])
def test_proprietary_instruments_need_a_site_licence(site_a, instrument_id):
    assert licence_problem(site_a, instrument_id, DAY) == \
        f"Clinic A has recorded no licence for {instrument_id}."


def test_a_current_licence_opens_the_instrument_for_that_site_only(site_a, site_b):
    InstrumentLicence.objects.create(site=site_a, instrument_id="koos",
                                     licence_reference="MRT-2026-001",
                                     valid_from=dt.date(2026, 1, 1),
                                     valid_until=dt.date(2026, 12, 31))
    assert licence_problem(site_a, "koos", DAY) is None
    assert licence_problem(site_b, "koos", DAY) == "Clinic B has recorded no licence for koos."
    assert licence_problem(site_a, "koos", dt.date(2027, 1, 1)) == \
        "Clinic A's licence for koos does not cover 01 Jan 2027."


def test_licence_validation_names_the_problem(site_a):
    licence = InstrumentLicence(site=site_a, instrument_id="kooss", licence_reference="x",
                                valid_from=DAY, valid_until=DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        licence.full_clean()
    assert "Unknown instrument 'kooss'" in caught.value.message_dict["instrument_id"][0]
