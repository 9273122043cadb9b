"""A unit's status as shown is always true: a released or issued unit past its expiry shows
"Expired" on every page before anyone marks it so, the worklist filters on what is shown,
and a unit already past its expiry is not received (products.status.effective_status;
ICCBBA ST-001 DS005)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import ProductUnit
from orthoregen.web.cellbank.status_shown import expired_among, status_shown


def past_expiry(unit):
    ProductUnit.objects.filter(pk=unit.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    unit.refresh_from_db()
    return unit


def badge(page, unit):
    row = page[page.index(unit.identifier):]
    return row[row.index('<span class="status'):row.index("</span>") + len("</span>")]


def test_a_released_unit_past_its_expiry_is_shown_expired_until_marked(
        as_user, lab_a, released_unit):
    past_expiry(released_unit)
    assert released_unit.status == "released"  # stored: no one has marked it yet
    assert status_shown(released_unit) == "expired"
    client = as_user(lab_a)
    listed = client.get(reverse("cellbank:units")).content.decode()
    assert badge(listed, released_unit) == '<span class="status expired">Expired</span>'
    detail = client.get(reverse("cellbank:unit-detail", args=[released_unit.pk])) \
        .content.decode()
    assert '<span class="status expired">Expired</span>' in detail
    assert "Released</span>" not in detail


def test_the_worklist_filters_on_the_status_shown(as_user, lab_a, released_unit, site_a,
                                                   donor_a, kit):
    fresh = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    kit.release(fresh, lab_a)
    past_expiry(released_unit)
    client = as_user(lab_a)
    expired = client.get(reverse("cellbank:units"), {"status": "expired"}).content.decode()
    assert released_unit.identifier in expired and fresh.identifier not in expired
    released = client.get(reverse("cellbank:units"), {"status": "released"}).content.decode()
    assert fresh.identifier in released and released_unit.identifier not in released
    assert expired_among([released_unit.pk, fresh.pk]) == {released_unit.pk}


def test_a_given_unit_is_never_shown_expired(released_unit):
    unit = past_expiry(released_unit)
    unit.status = "administered"
    assert status_shown(unit) == "administered"


@pytest.mark.parametrize("expires_in", [dt.timedelta(0), -dt.timedelta(minutes=1)])
def test_a_unit_already_past_its_expiry_is_not_received(site_a, lab_a, donor_a, kit,
                                                        expires_in):
    with pytest.raises(services.CellbankRefused, match="expired at .*an expired unit is not "
                       "received"):
        kit.receive(site_a, lab_a, kit.DIN_B, donor_a, expires_in=expires_in)
    assert not ProductUnit.objects.exists()


def test_the_receive_page_says_the_unit_has_expired(as_user, lab_a, donor_a):
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    response = as_user(lab_a).post(reverse("cellbank:unit-receive"), {
        "identifier": "G123498654321H", "product_class": "umbilical_cord_msc",
        "collected_at": f"{yesterday - dt.timedelta(days=3):%Y-%m-%dT%H:%M}",
        "expires_at": f"{yesterday:%Y-%m-%dT%H:%M}", "storage": "LN2 vapour",
        "cell_count": "50000000", "volume_ml": "5", "viability_pct": "92",
        "donor": donor_a.pk})
    assert response.status_code == 200
    assert "an expired unit is not received" in response.content.decode()
    assert not ProductUnit.objects.exists()
