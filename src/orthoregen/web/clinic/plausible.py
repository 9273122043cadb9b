"""Refuse impossible clinical dates in the services, in words staff can act on.

The rule is the core's (orthoregen.pathways.plausible; docs/plausible-ranges.md): not before
the patient's birth, not after today, not before the date it follows. This module words it
and raises it, so every service that stores a clinical date (whatever called it: a form, an
import, the API, FHIR) refuses the same dates with the same sentence. Each app raises its own
refusal with the sentences from ``date_problems``; the others raise ``ValidationError`` from
``refuse_implausible`` and their views put it on the form with ``errors_onto``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.pathways.plausible import (
    OLDEST_AGE_YEARS,
    DateProblemKind,
    birth_date_problem,
    date_problem,
    later_problem,
)


@dataclass(frozen=True)
class Day:
    """One date to check: its value, what it is ("The onset") and the date it follows."""

    value: dt.date | dt.datetime | None
    label: str
    not_before: dt.date | dt.datetime | None = None
    not_before_label: str = ""
    # An expiry or a due date lies ahead by nature: only its order is checked.
    may_be_future: bool = False


def _shown(moment: dt.date | dt.datetime) -> str:
    if isinstance(moment, dt.datetime):
        return date_format(_local(moment), "d M Y H:i")
    return date_format(moment, "d M Y")


def _local(moment: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
        return timezone.localtime(moment)
    return moment


def day_refusal(day: Day, *, born: dt.date | None,
                today: dt.date | None = None) -> str | None:
    """Return the sentence refusing one date, or None when it can be true."""
    if day.value is None:
        return None
    value = _local(day.value)
    earlier = _local(day.not_before) if day.not_before is not None else None
    if day.may_be_future:
        problem = later_problem(value, not_before=earlier) if earlier is not None else None
    else:
        problem = date_problem(value, today=today or timezone.localdate(), born=born,
                               not_before=earlier)
    if problem is None:
        return None
    words = {"what": day.label, "day": _shown(day.value),
             "bound": date_format(problem.bound, "d M Y"),
             "other": day.not_before_label,
             "other_day": _shown(day.not_before) if day.not_before is not None else ""}
    if problem.kind is DateProblemKind.FUTURE:
        return gettext("%(what)s %(day)s is in the future: today is %(bound)s.") % words
    if problem.kind is DateProblemKind.BEFORE_BIRTH:
        return gettext("%(what)s %(day)s is before the patient was born "
                       "(%(bound)s).") % words
    if problem.kind is DateProblemKind.NOT_AFTER_EARLIER:
        return gettext("%(what)s %(day)s must be after %(other)s %(other_day)s.") % words
    return gettext("%(what)s %(day)s is before %(other)s %(other_day)s.") % words


def date_problems(*, born: dt.date | None, **days: Day) -> dict[str, str]:
    """Return the refusal sentence of each impossible date, by field name."""
    return {field: message for field, day in days.items()
            if (message := day_refusal(day, born=born)) is not None}


def refuse_implausible(*, born: dt.date | None, **days: Day) -> None:
    """Raise ValidationError naming each impossible date's field (none: return)."""
    if problems := date_problems(born=born, **days):
        raise ValidationError({field: [message] for field, message in problems.items()})


def birth_refusal(born: dt.date | None) -> str | None:
    """Return the sentence refusing a date of birth, or None when it can be true."""
    if born is None:
        return None
    problem = birth_date_problem(born, today=timezone.localdate())
    if problem is None:
        return None
    if problem.kind is DateProblemKind.FUTURE:
        return gettext("The date of birth %(day)s is in the future.") % {"day": _shown(born)}
    return gettext("The date of birth %(day)s would make the patient older than %(years)d "
                   "years.") % {"day": _shown(born), "years": OLDEST_AGE_YEARS}


def errors_onto(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def first_problem(problems: dict[str, Any]) -> str:
    """Return the sentences of a problems mapping as one line (for refusals with one text)."""
    return " ".join(str(message) for message in problems.values())
