"""The cell lab's date-and-time boxes show and read the pages' format, in the site's time zone
(clinic/datetimes.py, docs/printing.md#dates)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.cellbank.forms import UnitReceiveForm
from orthoregen.web.cellbank.models import Donor, Harvest, ProductUnit
from orthoregen.web.clinic.datetimes import DateTimeField

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
REFUSED = ("Enter a valid date and time, written as 25 Oct 2026 14:30 or 2026-10-25 14:30 "
           "(Europe/London time).")


class OneMoment(forms.Form):
    at = DateTimeField()


@pytest.fixture(autouse=True)
def london():
    with timezone.override(LONDON):
        yield


@pytest.mark.parametrize("written", [
    "06 Dec 2026 14:30", "6 Dec 2026 14:30", "06 dec 2026 14:30", " 06 DEC 2026 14:30 ",
    "6 December 2026 14:30", "2026-12-06 14:30", "2026-12-06T14:30",
])
def test_the_page_format_and_iso_are_both_read(written):
    form = OneMoment({"at": written})
    assert form.is_valid(), form.errors
    # In December London keeps Greenwich Mean Time, UTC+0.
    assert form.cleaned_data["at"] == dt.datetime(2026, 12, 6, 14, 30, tzinfo=UTC)


def test_a_summer_time_is_read_on_the_site_clock():
    # British Summer Time is UTC+1 from the last Sunday of March to the last Sunday of
    # October (Summer Time Order 2002, SI 2002/262; Directive 2000/84/EC, arts. 2-3).
    form = OneMoment({"at": "06 Jul 2026 14:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == dt.datetime(2026, 7, 6, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("written", [
    "06 Dec 2026", "2026-12-06",  # a day without its time
    "2026-12-06T14:30+05:00", "2026-12-06T14:30Z",  # another clock than the site's
    "06 Dec 2026 25:00", "6 Dec 2026 2:30 PM", "nonsense",
])
def test_anything_else_is_refused_saying_how_to_write_a_moment(written):
    form = OneMoment({"at": written})
    assert not form.is_valid()
    assert form.errors["at"] == [REFUSED]


@pytest.mark.parametrize(("written", "message"), [
    # 6 December or 12 June? refused rather than guessed (clinic/dates.py)
    ("06/12/2026 14:30", "“06/12/2026” is all numbers, which one country reads day first and "
                         "another month first: write the month in letters, as 25 Oct 2026."),
    ("31 Feb 2026 10:00", "February 2026 has no day 31: it has 28 days."),
    ("2026-13-01 10:00", "“2026-13-01” has no month 13: in a date written 2026-10-25 the year "
                         "comes first, then the month (01 to 12), then the day."),
    ("06 Dek 2026 14:30", "“Dek” is not a month: write its name or its first three letters "
                          "(Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov, Dec)."),
])
def test_a_wrong_date_before_the_time_is_named(written, message):
    form = OneMoment({"at": written})
    assert not form.is_valid()
    assert form.errors["at"] == [message]


@pytest.mark.parametrize("written", [
    "29 Mar 2026 01:30",  # clocks go forward at 01:00 GMT: 01:30 never happens
    "25 Oct 2026 01:30",  # clocks go back at 02:00 BST: 01:30 happens twice
])
def test_a_time_the_clock_change_skips_or_repeats_is_refused_by_name(written):
    # The changes of 2026: last Sundays of March and October at 01:00 UTC (SI 2002/262).
    form = OneMoment({"at": written})
    assert not form.is_valid()
    assert form.errors["at"] == [
        f"{written} happens twice, or not at all, in Europe/London time, as the clocks "
        "change then: enter the time an hour earlier or later as the clock showed it."]


@pytest.mark.parametrize("written", ["0001-01-01T00:00", "9999-12-31 23:59", "01 Jan 1899 10:00"])
def test_a_year_no_lab_record_can_have_is_refused(written):
    form = OneMoment({"at": written})
    assert not form.is_valid()
    assert form.errors["at"][0].endswith(": check the year, which is before 1900 or after 2199.")


def test_the_box_is_text_showing_the_page_format_on_the_site_clock():
    html = str(OneMoment(initial={"at": dt.datetime(2026, 7, 6, 13, 30, tzinfo=UTC)})["at"])
    assert 'type="text"' in html and 'value="06 Jul 2026 14:30"' in html
    assert 'placeholder="e.g. 25 Oct 2026 14:30 or 2026-10-25 14:30"' in html
    assert str(OneMoment.base_fields["at"].help_text) == \
        "Day, month, year and 24-hour time, in Europe/London time."


def test_a_refused_value_is_shown_back_as_typed():
    html = str(OneMoment({"at": "06/12/2026 14:30"})["at"])
    assert 'value="06/12/2026 14:30"' in html


def test_no_cell_lab_form_uses_the_browsers_picker():
    html = str(UnitReceiveForm(donors=Donor.objects.none(), harvests=Harvest.objects.none()))
    assert "datetime-local" not in html
    assert html.count('placeholder="e.g. 25 Oct 2026 14:30 or 2026-10-25 14:30"') == 2


def _receive(client, donor, **times):
    return client.post(reverse("cellbank:unit-receive"), {
        "identifier": "G123498654321H", "product_class": "umbilical_cord_msc",
        "storage": "LN2 vapour", "cell_count": "50000000", "volume_ml": "5",
        "viability_pct": "92", "donor": donor.pk, **times})


def test_the_receive_page_keeps_times_on_the_site_clock(as_user, lab_a, donor_a):
    # 09:00 on the site's clock, never a time the clocks change at.
    today = timezone.localdate()
    collected, expires = (timezone.make_aware(dt.datetime.combine(
        today + dt.timedelta(days=days), dt.time(9, 0))) for days in (-2, 30))
    response = _receive(as_user(lab_a), donor_a,
                        collected_at=collected.strftime("%d %b %Y %H:%M"),
                        expires_at=expires.strftime("%d %b %Y %H:%M"))
    assert response.status_code == 302
    unit = ProductUnit.objects.get()
    assert (unit.collected_at, unit.expires_at) == (collected, expires)


def test_the_receive_page_refuses_an_all_number_time_by_its_field(as_user, lab_a, donor_a):
    response = _receive(as_user(lab_a), donor_a, collected_at="01/11/2026 09:00",
                        expires_at="01 Nov 2027 09:00")
    assert response.status_code == 200
    assert response.context["form"].errors["collected_at"] == [
        "“01/11/2026” is all numbers, which one country reads day first and another month "
        "first: write the month in letters, as 25 Oct 2026."]
    assert not ProductUnit.objects.exists()
