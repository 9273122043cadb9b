"""One date format in forms and pages (clinic/dates.py, docs/printing.md#dates)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from orthoregen.web.clinic.dates import date_hint
from orthoregen.web.clinic.forms import DateInput
from orthoregen.web.clinic.models import Encounter

TEMPLATES = Path(__file__).parents[3] / "src" / "orthoregen" / "web"


class OneDate(forms.Form):
    on = forms.DateField(widget=DateInput())


@pytest.mark.parametrize("written", [
    "06 Dec 2026", "6 Dec 2026", "06 dec 2026", " 06 DEC 2026 ", "6 December 2026",
    "2026-12-06",
])
def test_the_page_format_and_iso_are_both_read(written):
    form = OneDate({"on": written})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == dt.date(2026, 12, 6)


@pytest.mark.parametrize("written", [
    "06/12/2026",  # 6 December or 12 June? refused rather than guessed
    "12/06/2026", "2026-02-30", "31 Feb 2026", "Dec 2026", "nonsense", "06 Dek 2026",
    "2026-12-06T10:00",
])
def test_anything_else_is_refused_saying_how_to_write_a_date(written):
    form = OneDate({"on": written})
    assert not form.is_valid()
    assert form.errors["on"] == ["Enter a valid date, written as 25 Oct 2026 or 2026-10-25."]


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


def test_a_staff_form_takes_the_page_format(as_user, clinician_a, patient_a):
    episode = patient_a.episodes.get()
    response = as_user(clinician_a).post(
        reverse("encounter-create", args=[episode.pk]),
        {"kind": "imaging", "occurred_on": "01 Apr 2026", "clinician": clinician_a.pk,
         "notes": "AP pelvis"})
    assert response.status_code == 302
    assert Encounter.objects.get(episode=episode, notes="AP pelvis").occurred_on \
        == dt.date(2026, 4, 1)
