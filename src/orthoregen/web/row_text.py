"""The words and links of long tables, made once per page instead of once per row.

A page of hundreds of rows (a donor's look-back, the follow-up worklist) spent most of its
time in per-row template work: `{% url %}` resolving a pattern, the `date` filter formatting
through the locale machinery, and each variable resolved and escaped (bench/README.md,
look-back and follow-up worklist). These helpers give the same text for a fraction of that:
a URL reversed once with a mark where the id goes, and dates written from the month names
the active language gives, asked once. tests/web/test_row_text.py compares them with
Django's own `{% url %}` and `date` filter, in English and Spanish.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Callable, Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

_ID_MARK = 987654321  # digits no URL pattern of the project writes itself


def url_maker(name: str) -> Callable[[object], str]:
    """Return a function giving the URL named `name` for one id argument, reversed once.

    `url_maker("cellbank:unit-detail")(7) == reverse("cellbank:unit-detail", args=[7])`.
    """
    pattern = reverse(name, args=[_ID_MARK])
    before, mark, after = pattern.partition(str(_ID_MARK))
    if not mark or str(_ID_MARK) in after:
        raise ValueError(f"{name}: no single place for the id in {pattern}")
    return lambda pk: f"{before}{pk}{after}"


def html_lines(line: str, rows: Iterable[Iterable[object]]) -> SafeString:
    """Return `line` filled with each row's values, escaped, joined: a table's body.

    As `format_html_join("", line, rows)`, but every value is escaped, even one marked
    safe, by the function Django's `escape` calls, without its per-call check for lazy
    arguments (a quarter of a long page's time in a profile).
    """
    return mark_safe("".join(filled(line, row) for row in rows))


def filled(line: str, values: Iterable[object]) -> str:
    """Return `line` with each `{}` replaced by a value, escaped (a piece of HTML)."""
    return line.format(*(html.escape(str(value)) for value in values))


class DateText:
    """Dates as the `date` filter writes them with "d M Y" and "d M Y H:i", in the active
    language: the month abbreviations are asked of the locale once, when made.

    Make one per page (the language is the request's). Aware datetimes are shown in the
    current time zone, as a template shows them.
    """

    def __init__(self) -> None:
        self.months = [date_format(dt.date(2001, month, 1), "M") for month in range(1, 13)]

    def day(self, value: dt.date | None) -> str:
        """Return "05 Mar 2026" for a date, or "" for None (`|date:"d M Y"`)."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = _shown_local(value)
        return self._day(value)

    def _day(self, value: dt.date) -> str:
        return f"{value.day:02d} {self.months[value.month - 1]} {value.year:04d}"

    def minute(self, value: dt.datetime | None) -> str:
        """Return "05 Mar 2026 14:07" for a datetime, or "" for None (`|date:"d M Y H:i"`)."""
        if value is None:
            return ""
        local = _shown_local(value)
        return f"{self._day(local)} {local.hour:02d}:{local.minute:02d}"


def _shown_local(value: dt.datetime) -> dt.datetime:
    # What a template shows of a datetime (django.utils.timezone.template_localtime): an
    # aware one in the current time zone, a naive one as it is.
    return timezone.localtime(value) if settings.USE_TZ and timezone.is_aware(value) else value


def active_dates() -> DateText:
    """Return the DateText of the active language, made once per language in a process.

    Asking the locale for twelve month names took 0.5 ms, and a page with six tables of
    dates made six (the follow-up worklist); the names of a language do not change.
    """
    return _dates_in(get_language())


@functools.cache
def _dates_in(language: str | None) -> DateText:
    with override(language):
        return DateText()
