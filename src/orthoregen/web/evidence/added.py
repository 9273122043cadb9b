"""Staff-added studies: saving one in one transaction, and reading them as core `Study` values.

Results are recorded only on the measures the dashboard compares
(`orthoregen.evidence.comparison.EVIDENCE_NAMES`), so an added arm pools with the seed
library's arms of the same instrument, subscale and scale and never with a number on
another scale.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Max
from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.evidence.comparison import EVIDENCE_NAMES
from orthoregen.evidence.library import Study, load_library, study_from_dict
from orthoregen.web.evidence.models import AddedResult, AddedStudy

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

# Stored key "instrument:subscale" -> (name, subscale, scale) in the evidence library's terms.
RESULT_MEASURES = {f"{instrument}:{subscale}": names
                   for (instrument, subscale), names in EVIDENCE_NAMES.items()}
CHANGE_FROM_BASELINE = "change from baseline"

log = logging.getLogger(__name__)


def study_id(study: AddedStudy) -> str:
    return f"added-{study.pk}"


def to_core(study: AddedStudy) -> Study:
    """Return the added study as the core's Study (its checks raise ValueError)."""
    results = []
    for r in study.results.all():
        name, subscale, scale = RESULT_MEASURES[r.measure]
        results.append({
            "arm": r.arm, "instrument": name, "subscale": subscale, "scale": scale,
            # Every measure of EVIDENCE_NAMES is a pain score: lower is better.
            "better": "lower", "measure": CHANGE_FROM_BASELINE,
            "timepoint_months": r.timepoint_months, "estimate": r.estimate,
            "ci_low": r.ci_low, "ci_high": r.ci_high, "n": r.n, "note": r.note})
    return study_from_dict({
        "id": study_id(study), "joints": [study.joint], "joint_text": study.joint,
        "study": study.study, "design": study.design, "design_class": study.design_class,
        "blinding": study.blinding, "n_text": str(study.n_randomised or "n/q"),
        "n_randomised": study.n_randomised, "cell_source": study.cell_source,
        "product_class": study.product_class, "dose": study.dose,
        "comparator": study.comparator, "comparator_class": study.comparator_class,
        "outcome": study.outcome, "effect": study.effect, "ci": "",
        "follow_up": study.follow_up, "citation": study.citation,
        "verification": study.verification,
        # Only a V tag makes a result verified; V-design means the result was not seen.
        "result_verification": {"V": "V", "NL": "NL"}.get(study.verification, "R"),
        # Shown on the library page beside the study, in the site's language.
        "section": gettext("added by %(user)s on %(date)s") % {
            "user": study.added_by, "date": date_format(study.added_at, "d M Y")},
        "results": results,
    })


def added_studies() -> tuple[Study, ...]:
    """Return every staff-added study as core values, oldest first."""
    rows = (AddedStudy.objects.select_related("added_by").prefetch_related("results")
            .order_by("pk"))
    studies = []
    for row in rows:
        # The forms refuse what the core refuses; a row broken some other way (a hand-made
        # SQL fix, say) is left out and logged rather than taking the dashboard down.
        try:
            studies.append(to_core(row))
        except (ValueError, KeyError) as error:
            log.warning("evidence study %s left out: %s", study_id(row), error)
    return tuple(studies)


@functools.cache
def seed_library() -> tuple[Study, ...]:
    """Return the seed library, parsed once per process (read-only).

    See docs/evidence.md#seed-library.
    """
    return load_library()


def library_with_added() -> tuple[Study, ...]:
    """Return the seed library followed by the studies staff added (read on each call)."""
    return (*seed_library(), *added_studies())


def added_version() -> tuple:
    """Return what changes whenever a study or result is added, edited or removed."""
    studies = AddedStudy.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    results = AddedResult.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return tuple(studies.values()) + tuple(results.values())


@dataclass(frozen=True, kw_only=True)
class PublishedStudy:
    """A published study as a member of staff transcribes it, with its full citation."""

    study: str
    joint: str
    design: str
    design_class: str
    blinding: str
    n_randomised: int | None = None
    cell_source: str
    product_class: str
    dose: str = ""
    comparator: str = ""
    comparator_class: str
    outcome: str
    effect: str
    follow_up: str = ""
    citation: str
    verification: str


@dataclass(frozen=True, kw_only=True)
class ArmResult:
    """One arm's mean change from baseline on one measure, at months after injection."""

    arm: str
    measure: str
    timepoint_months: int
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    note: str = ""


def _values(value: PublishedStudy | ArmResult) -> dict:
    return {field.name: getattr(value, field.name) for field in fields(value)}


@transaction.atomic
def added_study_create(*, study: PublishedStudy, results: Sequence[ArmResult],
                       by: User) -> AddedStudy:
    """Save a study and its results together, or nothing (the forms validated both)."""
    row = AddedStudy.objects.create(**_values(study), added_by=by)
    for result in results:
        AddedResult.objects.create(study=row, **_values(result))
    to_core(row)  # the core's own checks; a ValueError rolls the whole study back
    return row
