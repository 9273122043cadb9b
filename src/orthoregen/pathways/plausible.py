"""Whether a clinical date can be true: not before the patient's birth, not after today.

One rule for every date a clinic, an import, the API or FHIR can store about a patient
(docs/plausible-ranges.md): an injection, a symptom onset, a questionnaire or an adverse
event cannot precede the person it happened to, and nothing clinical is recorded in advance.
Some dates also follow another one of the same record (a resolution its onset, an expiry its
collection); ``not_before`` names that bound.

The problem comes back as a kind and the bound it broke, not as a sentence: the web layer
words it in the reader's language (orthoregen.web.clinic.plausible).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# The oldest verified human lived 122 years; a birth date implying more than this age is a
# typing error (1826 for 1926), not a patient.
OLDEST_AGE_YEARS = 125


class DateProblemKind(StrEnum):
    FUTURE = "future"
    BEFORE_BIRTH = "before_birth"
    BEFORE_EARLIER = "before_earlier"
    NOT_AFTER_EARLIER = "not_after_earlier"
    TOO_OLD = "too_old"


@dataclass(frozen=True)
class DateProblem:
    """What is wrong with a date: its kind and the date it should not have crossed."""

    kind: DateProblemKind
    bound: date


def as_day(moment: date | datetime) -> date:
    """Return a moment's calendar day (a datetime's own date: the caller localises it)."""
    return moment.date() if isinstance(moment, datetime) else moment


def date_problem(day: date | datetime, *, today: date, born: date | None = None,
                 not_before: date | datetime | None = None) -> DateProblem | None:
    """Return why a clinical date cannot be true, or None when it can.

    Checked in order of what the reader most likely typed wrong: a future date (a year
    typo: 2062 for 2026), then one before birth, then one before its earlier date.
    ``not_before`` is compared to the full moment when both are datetimes (an expiry a minute
    before its collection is refused), otherwise day by day.
    """
    if as_day(day) > today:
        return DateProblem(DateProblemKind.FUTURE, today)
    if born is not None and as_day(day) < born:
        return DateProblem(DateProblemKind.BEFORE_BIRTH, born)
    if not_before is not None:
        both_moments = isinstance(day, datetime) and isinstance(not_before, datetime)
        earlier = (day < not_before) if both_moments else as_day(day) < as_day(not_before)
        if earlier:
            return DateProblem(DateProblemKind.BEFORE_EARLIER, as_day(not_before))
    return None


def birth_date_problem(born: date, *, today: date) -> DateProblem | None:
    """Return why a date of birth cannot be true: in the future, or an impossible age."""
    if born > today:
        return DateProblem(DateProblemKind.FUTURE, today)
    oldest = _years_before(today, OLDEST_AGE_YEARS)
    if born < oldest:
        return DateProblem(DateProblemKind.TOO_OLD, oldest)
    return None


def later_problem(day: date | datetime, *, not_before: date | datetime) -> DateProblem | None:
    """Return why a date that may lie ahead (an expiry) cannot follow its earlier one."""
    both_moments = isinstance(day, datetime) and isinstance(not_before, datetime)
    earlier = (day <= not_before) if both_moments else as_day(day) < as_day(not_before)
    return DateProblem(DateProblemKind.NOT_AFTER_EARLIER, as_day(not_before)) if earlier \
        else None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)
