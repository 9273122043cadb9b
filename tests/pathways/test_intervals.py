"""Calendar arithmetic for washouts counted in months and years."""

from datetime import date

import pytest

from orthoregen.pathways.intervals import add_months, add_years


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 9, 2), 6, date(2026, 3, 2)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # no 31 February: month's last day
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year boundary
        (date(2025, 1, 31), 0, date(2025, 1, 31)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [(date(2021, 3, 2), 5, date(2026, 3, 2)), (date(2024, 2, 29), 1, date(2025, 2, 28)),
     (date(2024, 2, 29), 4, date(2028, 2, 29))],
)
def test_add_years(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected
