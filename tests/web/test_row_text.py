"""row_text writes what Django's own `{% url %}`, `date` filter and escaping write: each
helper is compared with a template rendering the same values, in English and Spanish."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join

from orthoregen.web.clinic.dates import PAGE_DATE_FORMAT, PAGE_DATETIME_FORMAT
from orthoregen.web.row_text import DateText, active_dates, html_lines, url_maker

MOMENTS = [dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC),       # new year's first minutes
           dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC),   # the day before, at its end
           dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),     # Europe's clocks go forward
           dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC),
           dt.datetime(999, 5, 7, 8, 9, tzinfo=dt.UTC)]        # a year of three digits


def rendered(source: str, **values) -> str:
    return Template(source).render(Context(values))


@pytest.mark.parametrize("language", ["en-gb", "es"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "Pacific/Auckland"])
def test_dates_read_as_the_date_filter_writes_them(language, zone):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        dates = DateText()
        for moment in MOMENTS:
            assert dates.minute(moment) == rendered("{{ v|date:f }}", v=moment,
                                                    f=PAGE_DATETIME_FORMAT)
            assert dates.day(moment) == rendered("{{ v|date:f }}", v=moment, f=PAGE_DATE_FORMAT)
            assert dates.day(moment.date()) == rendered("{{ v|date:f }}", v=moment.date(),
                                                       f=PAGE_DATE_FORMAT)
        assert dates.day(None) == dates.minute(None) == ""
    # Not every language abbreviates a month alike: the names came from the locale.
    with translation.override("es"):
        assert DateText().day(dt.date(2026, 1, 5)) == "05 Ene 2026"


@pytest.mark.parametrize("name", ["cellbank:unit-detail", "cellbank:patient-products",
                                  "followup:schedule", "followup:tablet-open",
                                  "followup:task-close"])
def test_a_url_maker_reverses_as_reverse_does(name):
    url = url_maker(name)
    for pk in (1, 7, 987654320, 2**40):
        assert url(pk) == reverse(name, args=[pk])


def test_a_url_name_without_one_id_is_refused():
    with pytest.raises(Exception):  # noqa: B017 - Django's NoReverseMatch or our ValueError
        url_maker("cellbank:units")


def test_lines_escape_every_value_as_django_does():
    awkward = ["<script>", 'say "hi"', "O'Brien & Sons", 42, None]
    line = '<tr><td title="{}">{}</td></tr>'
    rows = [(value, value) for value in awkward]
    assert html_lines(line, rows) == format_html_join("", line, rows)


def test_the_active_languages_dates_are_made_once_and_follow_the_language():
    day = dt.date(2026, 12, 3)
    with translation.override("es"):
        spanish = active_dates()
        assert active_dates() is spanish
        assert spanish.day(day) == DateText().day(day) == rendered('{{ d|date:"d M Y" }}', d=day)
    with translation.override("en-gb"):
        assert active_dates().day(day) == "03 Dec 2026" != spanish.day(day)
