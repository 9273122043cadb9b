"""One way to write a date and time in every staff form (docs/printing.md#dates).

Pages print a moment as "06 Dec 2026 14:30" (``|date:"d M Y H:i"``). A collection, expiry or
harvest time box now shows and reads the same: the locale's date, by the rule of
clinic/dates.py (06 Dec 2026, or ISO 8601 2026-12-06), then the 24-hour time. ISO 8601 with
its "T" (2026-12-06T14:30) is read too, as other systems and earlier versions of these forms
wrote it. The browser's own picker (``<input type=datetime-local>``) is not used: it shows the
browser's locale (mm/dd/yyyy, 02:30 PM on an American browser) whatever the site chose.

Refused, each saying how to write a moment: all-number dates such as 03/04/2026 (clinic/dates.py
says why), a date without its time (a collection "on 6 Dec" is not at midnight), and a UTC
offset. Times are read and shown in the site's time zone (TIME_ZONE), as every page shows
them; a time the clock skips or repeats when it changes for daylight saving is refused by
name rather than guessed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from orthoregen.web.clinic.dates import date_problem, text_box_attrs

TIME_FORMAT = "%H:%M"
ISO_WITH_T = "%Y-%m-%dT%H:%M"
# A day past the 12th and an afternoon hour, so no reader can take either for another.
EXAMPLE_MOMENT = dt.datetime(2026, 10, 25, 14, 30)
# A mistyped year (0026 for 2026) is refused, and year 1 or 9999 could not be
# moved to UTC in every zone; no cell lab record is dated outside these.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def datetime_input_formats() -> list[str]:
    """Return the formats a moment is read in: each date format of the locale, then a time."""
    dates = formats.get_format("DATE_INPUT_FORMATS")
    return [f"{date} {TIME_FORMAT}" for date in dates] + [ISO_WITH_T]


def datetime_hint() -> str:
    """Return how to write a moment, e.g. "25 Oct 2026 14:30 or 2026-10-25 14:30"."""
    written = EXAMPLE_MOMENT.strftime(datetime_input_formats()[0])
    iso = EXAMPLE_MOMENT.strftime(f"%Y-%m-%d {TIME_FORMAT}")
    return written if written == iso else f"{written} or {iso}"


def zone_name() -> str:
    return timezone.get_current_timezone_name()


def _invalid_message() -> str:
    return gettext("Enter a valid date and time, written as %(hint)s (%(zone)s time).") % {
        "hint": datetime_hint(), "zone": zone_name()}


def _time_help() -> str:
    return gettext("Day, month, year and 24-hour time, in %(zone)s time.") % {"zone": zone_name()}


def is_ambiguous_or_missing(moment: dt.datetime, zone: dt.tzinfo) -> bool:
    """Say whether a wall-clock time happens twice, or never, in the zone (a clock change)."""
    return moment.replace(tzinfo=zone, fold=0).utcoffset() \
        != moment.replace(tzinfo=zone, fold=1).utcoffset()


class DateTimeInput(forms.DateTimeInput):
    """A text box showing a moment as pages print it, with an example as placeholder."""

    input_type = "text"

    def format_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            # The field has already moved it into the site's time zone (prepare_value).
            return value.strftime(datetime_input_formats()[0])
        return super().format_value(value)  # what was typed, shown back as typed

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        return text_box_attrs(super().get_context(name, value, attrs), hint=datetime_hint())


class DateTimeField(forms.DateTimeField):
    """A moment in the site's time zone, read only in the formats above."""

    widget = DateTimeInput
    default_error_messages = {
        "invalid": lazy(_invalid_message, str)(),
        # format_lazy fills in the years and leaves %(moment)s to the field's params.
        "out_of_range": format_lazy(gettext_lazy(
            "%(moment)s: check the year, which is before {earliest} or after {latest}."),
            earliest=EARLIEST_YEAR, latest=LATEST_YEAR),
        "ambiguous_timezone": gettext_lazy(
            "%(moment)s happens twice, or not at all, in %(zone)s time, as the clocks change "
            "then: enter the time an hour earlier or later as the clock showed it."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", lazy(_time_help, str)())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return timezone.localtime(value) if timezone.is_aware(value) \
                else self._in_site_zone(value)
        text = str(value).strip()
        for written in datetime_input_formats():
            try:
                moment = dt.datetime.strptime(text, written)
            except ValueError:
                continue
            return self._in_site_zone(moment)
        # The date before the time, to say what is wrong with it (an all-number date, a
        # month 13); a moment without its time, or a wrong time, gets the general message.
        date_part, _, time_part = text.replace("T", " ", 1).rpartition(" ")
        problem = date_problem(date_part) if time_part else None
        raise problem or ValidationError(self.error_messages["invalid"], code="invalid")

    def _in_site_zone(self, moment: dt.datetime) -> dt.datetime:
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range",
                params={"moment": moment.strftime(datetime_input_formats()[0])})
        zone = timezone.get_current_timezone()
        if is_ambiguous_or_missing(moment, zone):
            raise ValidationError(
                self.error_messages["ambiguous_timezone"], code="ambiguous_timezone",
                params={"moment": moment.strftime(datetime_input_formats()[0]),
                        "zone": zone_name()})
        return timezone.make_aware(moment, zone)
