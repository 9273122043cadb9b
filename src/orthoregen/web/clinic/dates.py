"""One way to write a date in every staff form and page (docs/printing.md#dates).

Pages print "06 Dec 2026" (``|date:"d M Y"``). A form field now shows and accepts the same
day-month-year with the month in letters, and also ISO 8601 (2026-12-06) for typists and
scanners; all-number forms such as 03/04/2026 are refused, because a clinic reading
another country's order would take 3 April for 4 March. The browser's own date picker
(``<input type=date>``) is not used: it shows the browser's locale (mm/dd/yyyy on an
American browser) whatever the site chose.

The rule is Django's per-locale format (FORMAT_MODULE_PATH names clinic/formats/, whose
modules read the constants below), so it holds for every DateField, admin included; the
widget only shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import formats
from django.utils.functional import lazy

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
    return written if written == iso else f"{written} or {iso}"


def _invalid_date_message() -> str:
    return f"Enter a valid date, written as {date_hint()}."


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
