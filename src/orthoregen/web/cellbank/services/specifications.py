"""Release specifications under change control: copy, edit, validate, review, approve, publish.

A clinic's specification changes as a new version: a published one is copied as a draft,
its JSON edited, checked by the core's own reader (products.release.spec_from_json) and the
checks below, approved by a second person who read its difference from the version in use
(signed, the password again), then published (signed); consultation.governance holds the
shared rules and docs/governance.md explains them. Published versions never change, units
already released keep the version their release signature names (services.release).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from orthoregen.pathways.snapshot import SnapshotError
from orthoregen.products.release import (
    EndotoxinPerDose,
    MustBeNegative,
    PercentAtLeast,
    PercentAtMost,
    ReleaseSpecification,
    spec_from_json,
)
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services.release import PUBLISHED
from orthoregen.web.cellbank.vocabulary import OUTCOME_TESTS, QcTest
from orthoregen.web.consultation import governance
from orthoregen.web.consultation.governance import Review

if TYPE_CHECKING:
    from collections.abc import Iterable

    from orthoregen.web.accounts.models import Site, User

KIND = "release specifications"
ACTION = Action.MANAGE_RELEASE_SPECS


def release_specs_visible(sites: Iterable[Site] | QuerySet[Site]) -> QuerySet[ReleaseSpecVersion]:
    """Return the versions of ``sites``, each clinic's own (there is no shared version)."""
    return ReleaseSpecVersion.objects.filter(site__in=sites) \
        .select_related("site", "created_by", "approved_by", "published_by", "copied_from") \
        .order_by("site__name", "spec_id", "-effective_from", "-id")


def release_spec_in_use(stored: ReleaseSpecVersion) -> ReleaseSpecVersion | None:
    """Return the published version of ``stored``'s specification that a successor replaces:
    the latest published at its clinic (by effective date, then publication), or None."""
    return ReleaseSpecVersion.objects.filter(
        site=stored.site_id, spec_id=stored.spec_id, status=PUBLISHED) \
        .order_by("-effective_from", "-published_at", "-id").first()


def specification_problems(stored: ReleaseSpecVersion) -> list[str]:
    """Return what keeps ``stored`` from judging units, in words; empty when nothing does.

    The core's reader comes first (unknown kinds, fields and types, by path); then what the
    reader accepts but no unit could be judged by: a limit outside 0-100 %, a test the lab
    cannot record, no product class or no criterion, and a version naming another record.
    """
    try:
        spec = spec_from_json(stored.specification)
    except (SnapshotError, TypeError, AttributeError) as error:
        return [f"the specification does not read: {error}"]
    problems = [] if (spec.spec_id, spec.version) == (stored.spec_id, stored.version) else [
        f"it says {spec.spec_id} {spec.version}, but this record is {stored}"]
    if not spec.product_classes:
        problems.append("it covers no product class, so it would judge no unit")
    if not spec.criteria:
        problems.append("it has no criterion, so every unit would pass")
    return problems + [p for criterion in spec.criteria for p in _criterion_problems(criterion)]


def _criterion_problems(criterion: Any) -> list[str]:
    known = {test.value for test in QcTest}
    if isinstance(criterion, PercentAtLeast | PercentAtMost):
        tests, limit = ((criterion.test_id,), criterion.minimum_percent) \
            if isinstance(criterion, PercentAtLeast) \
            else (criterion.test_ids, criterion.maximum_percent)
        problems = [] if tests else ["a maximum percentage names no test"]
        if not 0 <= limit <= 100:
            problems.append(f"{limit:g} % for {', '.join(tests)} is not a percentage between "
                            "0 and 100")
        return problems + _tests_problems(tests, known, numeric=True)
    if isinstance(criterion, MustBeNegative):
        return _tests_problems((criterion.test_id,), known, numeric=False)
    if isinstance(criterion, EndotoxinPerDose):
        return ([f"endotoxin K of {criterion.k_eu_per_kg:g} EU/kg must be more than 0"]
                if criterion.k_eu_per_kg <= 0 else []) + (
            [f"an assumed weight of {criterion.assumed_weight_kg:g} kg must be more than 0"]
            if criterion.assumed_weight_kg <= 0 else [])
    return []


def _tests_problems(tests: Iterable[str], known: set[str], *, numeric: bool) -> list[str]:
    problems = []
    for test in tests:
        if test not in known:
            problems.append(f"the lab records no test {test!r}, so no unit could pass it")
        elif (test in OUTCOME_TESTS) == numeric:
            problems.append(f"{QcTest(test).label} is recorded as "
                            f"{'an outcome' if numeric else 'a number'}, not "
                            f"{'a percentage' if numeric else 'negative or positive'}")
    return problems


@transaction.atomic
def release_spec_copy(source: ReleaseSpecVersion, *, version: str,
                      by: User) -> ReleaseSpecVersion:
    """Copy ``source`` as a draft named ``version`` at the same clinic, written by ``by``.

    Refuses (ValidationError on ``version``, nothing saved) an empty or taken version.
    """
    version = version.strip()
    if not version:
        raise ValidationError({"version": _("Give the new version a name.")})
    draft = ReleaseSpecVersion(
        site=source.site, spec_id=source.spec_id, version=version,
        effective_from=source.effective_from, copied_from=source, created_by=by,
        specification={**copy.deepcopy(source.specification), "version": version})
    governance.refuse_unless_may_govern(draft, by=by, step="draft", action=ACTION, kind=KIND)
    try:
        draft.full_clean(validate_unique=False, validate_constraints=False)
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        raise ValidationError({"version": _("%(spec)s %(version)s already exists at %(site)s; "
                                            "nothing was saved. Choose another version.")
                                          % {"spec": source.spec_id, "version": version,
                                             "site": source.site.name}}) from None
    return draft


@transaction.atomic
def release_spec_draft_update(stored: ReleaseSpecVersion, *, specification: Any,
                              by: User) -> ReleaseSpecVersion:
    """Replace a draft's specification; an edit voids its validation and approval.

    The specification's id and version stay the record's; its effective date becomes the
    record's. One the core cannot read is refused (ValidationError, nothing saved); one the
    checks object to is saved, and validation lists the problems.
    """
    stored = ReleaseSpecVersion.objects.select_for_update().get(pk=stored.pk)
    governance.refuse_unless_may_govern(stored, by=by, step="edit", action=ACTION, kind=KIND)
    if not isinstance(specification, dict):
        raise ValidationError({"specification": _("The specification must be a JSON "
                                                  "object.")})
    specification = {**specification, "spec_id": stored.spec_id, "version": stored.version}
    try:
        read = spec_from_json(specification)
    except (SnapshotError, TypeError, AttributeError) as error:
        raise ValidationError({"specification": _("The specification does not read: "
                                                  "%(error)s") % {"error": error}}) from None
    governance.mark_edited(stored, by=by)
    stored.specification = specification
    stored.effective_from = read.effective_from
    stored.save()
    return stored


def release_spec_review(stored: ReleaseSpecVersion) -> Review:
    """Return the difference between the version in use of the same specification and it."""
    baseline = release_spec_in_use(stored)
    return governance.review_of(None if baseline is None or baseline.pk == stored.pk
                                else baseline, stored, body="specification")


# Publication makes units judged from its effective date on judged by it; units already
# released keep the version their release signature names.
STEPS = governance.GovernedKind[ReleaseSpecVersion](
    model=ReleaseSpecVersion, problems=specification_problems,
    review=release_spec_review, action=ACTION, kind=KIND)
release_spec_validate, release_spec_approve, release_spec_publish = (
    STEPS.validate, STEPS.approve, STEPS.publish)


def release_spec_read(stored: ReleaseSpecVersion) -> ReleaseSpecification | None:
    """Return the stored specification read by the core, or None if it does not read."""
    try:
        return spec_from_json(stored.specification)
    except (SnapshotError, TypeError, AttributeError):
        return None
