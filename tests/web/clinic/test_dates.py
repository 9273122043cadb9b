"""One date format in forms and pages (clinic/dates.py, docs/printing.md#dates)."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from orthoregen.web.clinic.dates import date_hint
from orthoregen.web.clinic.forms import DateField, DateTimeField
from orthoregen.web.clinic.models import Encounter

TEMPLATES = Path(__file__).parents[3] / "src" / "orthoregen" / "web"


class OneDate(forms.Form):
    on = DateField()


class OneMoment(forms.Form):
    at = DateTimeField()


@pytest.mark.parametrize("written", [
    "06 Dec 2026", "6 Dec 2026", "06 dec 2026", " 06 DEC 2026 ", "6 December 2026",
    "2026-12-06",
])
def test_the_page_format_and_iso_are_both_read(written):
    form = OneDate({"on": written})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == dt.date(2026, 12, 6)


@pytest.mark.parametrize("written", ["Dec 2026", "nonsense", "2026-12-06T10:00", "6th Dec 2026"])
def test_anything_else_is_refused_saying_how_to_write_a_date(written):
    form = OneDate({"on": written})
    assert not form.is_valid()
    assert form.errors["on"] == ["Enter a valid date, written as 25 Oct 2026 or 2026-10-25."]


ALL_NUMBERS = ("is all numbers, which one country reads day first and another month first: "
               "write the month in letters, as 25 Oct 2026.")


@pytest.mark.parametrize(("written", "message"), [
    # 6 December in London, 12 June in New York: refused rather than guessed.
    ("12/06/2026", f"“12/06/2026” {ALL_NUMBERS}"),
    ("06/12/2026", f"“06/12/2026” {ALL_NUMBERS}"),
    ("6.12.2026", f"“6.12.2026” {ALL_NUMBERS}"),
    ("06-12-26", f"“06-12-26” {ALL_NUMBERS}"),
    ("2026-13-01", "“2026-13-01” has no month 13: in a date written 2026-10-25 the year comes "
                   "first, then the month (01 to 12), then the day."),
    # 2026 is no leap year (divisible by neither 4 nor 400): February has 28 days.
    ("2026-02-29", "February 2026 has no day 29: it has 28 days."),
    ("31 Feb 2026", "February 2026 has no day 31: it has 28 days."),
    ("31 Apr 2026", "April 2026 has no day 31: it has 30 days."),
    ("06 Dek 2026", "“Dek” is not a month: write its name or its first three letters "
                    "(Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov, Dec)."),
])
def test_a_wrong_date_is_refused_saying_what_is_wrong(written, message):
    form = OneDate({"on": written})
    assert not form.is_valid()
    assert form.errors["on"] == [message]


def test_a_leap_day_is_a_day():
    # 2028 is divisible by 4 and not by 100: a leap year.
    form = OneDate({"on": "29 Feb 2028"})
    assert form.is_valid(), form.errors


def test_where_a_locale_reads_all_number_dates_they_are_its_one_rule():
    # Spanish staff pages keep Django's es formats, day first (25/10/2026).
    with translation.override("es"):
        form = OneDate({"on": "06/12/2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["on"] == dt.date(2026, 12, 6)


# Europe/London in 2026: GMT (UTC+0) until 01:00 UTC on Sunday 29 March, then BST (UTC+1)
# (Summer Time Order 2002, SI 2002/262: the last Sunday of March).
@pytest.mark.parametrize(("written", "utc"), [
    ("28 Mar 2026 14:30", dt.datetime(2026, 3, 28, 14, 30, tzinfo=dt.UTC)),
    ("29 Mar 2026 14:30", dt.datetime(2026, 3, 29, 13, 30, tzinfo=dt.UTC)),
    ("2026-03-29 00:59", dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)),
    ("29 mar 2026 02:00", dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)),
])
def test_a_moment_is_read_on_the_site_clock_across_the_clock_change(written, utc):
    with timezone.override(ZoneInfo("Europe/London")):
        form = OneMoment({"at": written})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["at"] == utc


def test_the_hour_the_clock_skips_is_refused_by_name():
    with timezone.override(ZoneInfo("Europe/London")):
        form = OneMoment({"at": "29 Mar 2026 01:15"})
        assert not form.is_valid()
        assert form.errors["at"] == [
            "29 Mar 2026 01:15 happens twice, or not at all, in Europe/London time, as the "
            "clocks change then: enter the time an hour earlier or later as the clock showed it."]


def test_an_all_number_moment_names_its_date():
    form = OneMoment({"at": "12/06/2026 14:30"})
    assert not form.is_valid()
    assert form.errors["at"] == [f"“12/06/2026” {ALL_NUMBERS}"]


def test_the_box_shows_the_page_format_with_an_example():
    html = str(OneDate(initial={"on": dt.date(2026, 12, 6)})["on"])
    assert 'type="text"' in html and 'value="06 Dec 2026"' in html
    assert 'placeholder="e.g. 25 Oct 2026 or 2026-10-25"' in html


def test_pages_default_to_the_same_format():
    rendered = Template("{{ day }}|{{ day|date }}|{{ day|date:'d M Y' }}").render(
        Context({"day": dt.date(2026, 12, 6)}))
    assert rendered == "06 Dec 2026|06 Dec 2026|06 Dec 2026"


def test_a_locale_without_our_formats_keeps_its_own_one_rule():
    with translation.override("es"):
        assert date_hint() == "25/10/2026 or 2026-10-25"


# The |date formats pages may use: the page format, with a time or a weekday, and the
# machine formats of datetime attributes and file names.
PAGE_FORMATS = {"d M Y", "d M Y H:i", "d M Y H:i T", "d M Y H:i:s", "l d M Y", "d M", "M Y",
                "H:i", "c", "Y-m-d", "Ymd"}


def test_no_template_writes_a_date_another_way():
    used = {match for path in TEMPLATES.rglob("*.html")
            for match in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text())}
    assert used and used <= PAGE_FORMATS, used - PAGE_FORMATS


MACHINE_FORMATS = ("c", "Y-m-d", "Ymd")


def test_machine_formats_are_only_in_attributes_people_do_not_read():
    # ISO 8601 is for a <time datetime="…"> or an id, never for the text a person reads.
    in_text = []
    for path in TEMPLATES.rglob("*.html"):
        for line in path.read_text().splitlines():
            for found in re.finditer(r"""\|date:["'](c|Y-m-d|Ymd)["']""", line):
                before = line[:found.start()]
                if not re.search(r"""[\w-]+=["'][^"']*\{\{[^}]*$""", before):
                    in_text.append(f"{path.name}: {line.strip()[:120]}")
    assert in_text == []


def test_a_staff_form_takes_the_page_format(as_user, clinician_a, patient_a):
    episode = patient_a.episodes.get()
    response = as_user(clinician_a).post(
        reverse("encounter-create", args=[episode.pk]),
        {"kind": "imaging", "occurred_on": "01 Apr 2026", "clinician": clinician_a.pk,
         "notes": "AP pelvis"})
    assert response.status_code == 302
    assert Encounter.objects.get(episode=episode, notes="AP pelvis").occurred_on \
        == dt.date(2026, 4, 1)
