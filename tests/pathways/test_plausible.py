"""The core's plausible-date rule: not before birth, not after today, not before its start."""

from datetime import date, datetime

from orthoregen.pathways.plausible import (
    DateProblem,
    DateProblemKind,
    birth_date_problem,
    date_problem,
    later_problem,
)

TODAY = date(2026, 12, 7)
BORN = date(1960, 5, 17)


def test_a_date_between_birth_and_today_is_plausible():
    assert date_problem(date(2020, 1, 1), today=TODAY, born=BORN) is None
    assert date_problem(BORN, today=TODAY, born=BORN) is None
    assert date_problem(TODAY, today=TODAY, born=BORN) is None


def test_tomorrow_is_refused_as_future():
    assert date_problem(date(2026, 12, 8), today=TODAY, born=BORN) == \
        DateProblem(DateProblemKind.FUTURE, TODAY)


def test_the_day_before_birth_is_refused():
    assert date_problem(date(1960, 5, 16), today=TODAY, born=BORN) == \
        DateProblem(DateProblemKind.BEFORE_BIRTH, BORN)


def test_a_date_before_the_one_it_follows_is_refused():
    problem = date_problem(date(2024, 1, 1), today=TODAY, born=BORN,
                           not_before=date(2024, 1, 2))
    assert problem == DateProblem(DateProblemKind.BEFORE_EARLIER, date(2024, 1, 2))
    assert date_problem(date(2024, 1, 2), today=TODAY, not_before=date(2024, 1, 2)) is None


def test_a_moment_a_minute_before_its_start_is_refused_but_the_same_day_is_not():
    start = datetime(2026, 12, 1, 10, 0)
    assert date_problem(datetime(2026, 12, 1, 9, 59), today=TODAY, not_before=start) is not None
    assert date_problem(date(2026, 12, 1), today=TODAY, not_before=start) is None


def test_an_expiry_must_follow_its_collection_even_in_the_future():
    collected = datetime(2026, 12, 1, 10, 0)
    assert later_problem(datetime(2027, 1, 1), not_before=collected) is None
    assert later_problem(collected, not_before=collected).kind is \
        DateProblemKind.NOT_AFTER_EARLIER


def test_birth_dates_in_the_future_or_beyond_the_oldest_age_are_refused():
    assert birth_date_problem(BORN, today=TODAY) is None
    assert birth_date_problem(date(2026, 12, 8), today=TODAY).kind is DateProblemKind.FUTURE
    assert birth_date_problem(date(1901, 12, 7), today=TODAY) is None
    assert birth_date_problem(date(1901, 12, 6), today=TODAY).kind is DateProblemKind.TOO_OLD
    assert birth_date_problem(date(1900, 2, 28), today=date(2024, 2, 29)) is None
