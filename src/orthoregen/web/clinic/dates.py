"""One way to write a date in every staff form and page (docs/printing.md#dates).

Pages print "06 Dec 2026" (``|date:"d M Y"``). A form field now shows and accepts the same
day-month-year with the month in letters, and also ISO 8601 (2026-12-06) for typists and
scanners; all-number forms such as 03/04/2026 are refused, because a clinic reading
another country's order would take 3 April for 4 March. The browser's own date picker
(``<input type=date>``) is not used: it shows the browser's locale (mm/dd/yyyy on an
American browser) whatever the site chose.

The rule is Django's per-locale format (FORMAT_MODULE_PATH names clinic/formats/, whose
modules read the constants below), so it holds for every DateField, admin included; the
widget only shows it. Every staff form's date field is the DateField below (its ModelForms
get it through clinic.forms.dated_formfield; tests/web/clinic/test_form_dates.py walks every
form class), which says what is wrong with a refused date: an all-number date, a month 13,
a 31 February.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext

# The staff locales' rule. PAGE_DATE_FORMAT is template syntax, as in every page's
# |date:"d M Y"; the input formats are strptime's (%b and %B read English month names,
# either case: "6 dec 2026" and "6 December 2026" are the same day).
PAGE_DATE_FORMAT = "d M Y"
PAGE_DATETIME_FORMAT = "d M Y H:i"
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d"]

# A day past the 12th, so that no reader can take it for a month.
EXAMPLE_DAY = dt.date(2026, 10, 25)


def date_hint() -> str:
    """Return how to write a date in the active locale, e.g. "25 Oct 2026 or 2026-10-25"."""
    written = EXAMPLE_DAY.strftime(formats.get_format("DATE_INPUT_FORMATS")[0])
    iso = EXAMPLE_DAY.isoformat()
    return written if written == iso else gettext("%(written)s or %(iso)s") % {
        "written": written, "iso": iso}


def _invalid_date_message() -> str:
    return gettext("Enter a valid date, written as %(hint)s.") % {"hint": date_hint()}


# Django's DateField says only "Enter a valid date." and offers no setting for its message;
# every date field of every form should say how to write one, so the default is replaced
# once, here, before any form that uses DateInput (all of ours) is defined. Lazy, so it
# follows the locale active when the error is shown.
forms.DateField.default_error_messages = {
    **forms.DateField.default_error_messages,
    "invalid": lazy(_invalid_date_message, str)(),
}


def text_box_attrs(context: dict, *, hint: str) -> dict:
    """Give a date or date-time text box its example and keep the browser's guesses out."""
    widget_attrs = context["widget"]["attrs"]
    widget_attrs.setdefault("placeholder", f"e.g. {hint}")
    widget_attrs.setdefault("autocomplete", "off")
    widget_attrs.setdefault("spellcheck", "false")
    return context


class DateInput(forms.DateInput):
    """A text box showing a date in the locale's format, with an example as placeholder."""

    input_type = "text"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        return text_box_attrs(super().get_context(name, value, attrs), hint=date_hint())


# What a refused date looks like, to say why it was refused. Separators as people type them.
ALL_NUMBERS = re.compile(r"\d{1,4}\s*[/.\-\s]\s*\d{1,2}\s*[/.\-\s]\s*\d{1,4}")
ISO_SHAPED = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
LETTERS_SHAPED = re.compile(r"(\d{1,2}) +([^\W\d_]+)\.? +(\d{4})")
MONTH_NAMES = {name.lower(): number for number in range(1, 13)
               for name in (calendar.month_abbr[number], calendar.month_name[number])}


def date_problem(text: str) -> ValidationError | None:
    """Say what is wrong with a date the locale's formats did not read, if it can be told.

    Month names are English, as the staff locales' input formats (%b, %B) read them.
    """
    text = text.strip()
    iso = ISO_SHAPED.fullmatch(text)
    if iso:
        return _no_such_day(text, *(int(part) for part in iso.groups()))
    letters = LETTERS_SHAPED.fullmatch(text)
    if letters:
        day, month_name, year = letters.groups()
        month = MONTH_NAMES.get(month_name.lower())
        if month is None:
            return ValidationError(gettext(
                "“%(month)s” is not a month: write its name or its first three letters "
                "(Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov, Dec)."),
                code="no_such_month", params={"month": month_name})
        return _no_such_day(text, int(year), month, int(day))
    if ALL_NUMBERS.fullmatch(text) and formats.get_format("DATE_INPUT_FORMATS") \
            == DATE_INPUT_FORMATS:
        return ValidationError(gettext(
            "“%(text)s” is all numbers, which one country reads day first and another month "
            "first: write the month in letters, as %(hint)s."),
            code="all_numbers",
            params={"text": text, "hint": EXAMPLE_DAY.strftime(DATE_INPUT_FORMATS[0])})
    return None


def _no_such_day(text: str, year: int, month: int, day: int) -> ValidationError | None:
    if not 1 <= month <= 12:
        return ValidationError(gettext(
            "“%(text)s” has no month %(month)s: in a date written 2026-10-25 the year comes "
            "first, then the month (01 to 12), then the day."),
            code="no_such_month", params={"text": text, "month": month})
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return ValidationError(
            gettext("%(month)s %(year)s has no day %(day)s: it has %(last)s days."),
            code="no_such_day",
            params={"month": calendar.month_name[month], "year": year, "day": day, "last": last})
    return None


class DateField(forms.DateField):
    """Every staff form's date: the locale's formats in a text box, saying why it refused one."""

    widget = DateInput

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return super().to_python(value)
        except ValidationError:
            problem = date_problem(str(value))
            if problem is not None:
                raise problem from None
            raise
