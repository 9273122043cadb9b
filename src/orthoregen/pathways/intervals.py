"""Add calendar months and years to dates, as washout and look-back rules count them."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """Return the same day ``months`` calendar months later, clamped to the month's end.

    31 August + 6 months is 28 (or 29) February: the washout ends within the month the
    clinician counted to, never spilling into the next one.
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def add_years(start: date, years: int) -> date:
    """Return the same day ``years`` later; 29 February falls back to 28 February."""
    return add_months(start, 12 * years)
