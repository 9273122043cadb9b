"""Release specifications as versioned data per site, and a unit's evaluation against one.

The defaults are products.release's (docs/cell-products.md#release-specifications); a site
adds versions through the governed lifecycle (cellbank.specifications), and only published
versions judge a unit. A released unit is judged by the version its release signature names,
so publishing a successor never changes what a released unit's page says.
QC results of a lot apply to the units divided from it, so a unit is judged on its own
results first and then its ancestors', the nearest result of each test winning.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from orthoregen.products.product_class import ProductClass
from orthoregen.products.release import (
    CULTURED_MSC_SPEC,
    ENDOTOXIN,
    POINT_OF_CARE_SPEC,
    EndotoxinPerDose,
    QcOutcome,
    QcResults,
    ReleaseEvaluation,
    ReleaseSpecification,
    Verdict,
    evaluate_release,
    spec_from_json,
    spec_to_json,
)
from orthoregen.products.status import UnitStatus
from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.signatures import SignatureMeaning, signatures_of
from orthoregen.web.cellbank.models import ProductUnit, QcResult, ReleaseSpecVersion
from orthoregen.web.cellbank.services.core import CellbankRefused

DEFAULT_SPECS = (CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC)


PUBLISHED = ReleaseSpecVersion.Status.PUBLISHED
# Before release a unit is judged by the specification in use; from release on, by its own.
NOT_YET_RELEASED = frozenset({UnitStatus.COLLECTED, UnitStatus.IN_PROCESS, UnitStatus.QUARANTINE})


def release_specs_ensure(site: Site) -> None:
    """Store the default specifications, published by the system, for a site that has none.

    Run when a site is created (site_created below) and, for the sites of before,
    by cellbank migration 0008, so that judging a unit only reads.
    """
    if ReleaseSpecVersion.objects.filter(site=site).exists():
        return
    now = timezone.now()
    # With history, as every cell lab row: plain bulk_create writes no history row.
    bulk_create_with_history([
        ReleaseSpecVersion(site=site, spec_id=spec.spec_id, version=spec.version,
                           effective_from=spec.effective_from, specification=spec_to_json(spec),
                           status=PUBLISHED, published_at=now)
        for spec in DEFAULT_SPECS], ReleaseSpecVersion)


def site_created(sender: type[Site], instance: Site, created: bool, raw: bool = False,
                 **kwargs: object) -> None:
    """Give a new site the default specifications (a receiver of Site's post_save).

    A fixture being loaded (raw) brings its own rows.
    """
    if created and not raw:
        release_specs_ensure(instance)


def release_specs_in_use(site: Site, on: date | None = None) -> list[ReleaseSpecVersion]:
    """Return, for each specification of ``site``, the published version in force ``on``."""
    on = on or timezone.localdate()
    found: dict[str, ReleaseSpecVersion] = {}
    for stored in ReleaseSpecVersion.objects.filter(
            site=site, status=PUBLISHED, effective_from__lte=on) \
            .order_by("-effective_from", "-published_at", "-id"):
        found.setdefault(stored.spec_id, stored)
    return sorted(found.values(), key=lambda stored: stored.spec_id)


def released_against(unit: ProductUnit) -> ReleaseSpecVersion | None:
    """Return the version a released unit was judged against, as its release signature names
    it, or None before release (or for a unit released before signatures named one)."""
    if unit.status in NOT_YET_RELEASED:
        return None
    signed = signatures_of(unit).filter(
        meaning__in=(SignatureMeaning.RELEASE, SignatureMeaning.CONDITIONAL_RELEASE)) \
        .order_by("-signed_at", "-id").first()
    named = str(signed.content.get("specification", "")) if signed is not None else ""
    spec_id, _, version = named.rpartition(" ")
    return ReleaseSpecVersion.objects.filter(site=unit.site_id, spec_id=spec_id,
                                             version=version, status=PUBLISHED).first()


def release_spec_version_for(unit: ProductUnit, on: date | None = None) -> ReleaseSpecVersion:
    """Return the stored version that judges a unit: its own once released, else the latest
    published version in force ``on`` that covers its product class. Drafts never judge."""
    kept = released_against(unit)
    if kept is not None:
        return kept
    on = on or timezone.localdate()
    product_class = ProductClass(unit.product_class)
    versions = ReleaseSpecVersion.objects.filter(
        site=unit.site_id, status=PUBLISHED, effective_from__lte=on) \
        .order_by("-effective_from", "-published_at", "-id")
    for stored in versions:
        if product_class in spec_from_json(stored.specification).product_classes:
            return stored
    raise CellbankRefused(gettext("No release specification covers %(product_class)s at this "
                                  "site: it cannot be released.")
                          % {"product_class": unit.get_product_class_display()})


def release_spec_for(unit: ProductUnit, on: date | None = None) -> ReleaseSpecification:
    """Return the specification that judges a unit (release_spec_version_for), read."""
    return spec_from_json(release_spec_version_for(unit, on).specification)


def lineage_qc(unit: ProductUnit) -> dict[str, QcResult]:
    """Return the newest result of each test on the unit or, failing that, its nearest lot."""
    chain: list[int] = []
    node: ProductUnit | None = unit
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    found: dict[str, QcResult] = {}
    for pk in chain:
        for result in QcResult.objects.filter(unit_id=pk).order_by("-at", "-id"):
            found.setdefault(result.test, result)
    return found


def release_evaluation(unit: ProductUnit) -> ReleaseEvaluation:
    """Evaluate a unit's QC results against its specification (recipient weight unknown)."""
    spec = release_spec_for(unit)
    # A stored row of the wrong kind (an outcome for a percentage) reaches the core as it is
    # and is judged "needs review" there, rather than failing the unit's page.
    values: dict[str, float | QcOutcome] = {}
    for test, result in lineage_qc(unit).items():
        if result.outcome:
            values[test] = QcOutcome(result.outcome)
        elif result.value is not None:
            values[test] = result.value
    results = QcResults(values=values, volume_ml=unit.volume_ml)
    return evaluate_release(spec, results)


def endotoxin_over_limit(eu_per_ml: float, unit: ProductUnit, *, on: date,
                         volume_ml: float | None, weight_kg: float | None = None) -> str:
    """Return the dose and limit if `volume_ml` of this unit at `eu_per_ml` is over its
    specification's per-dose endotoxin limit (USP <85> K x weight; 1.5), else "".

    `weight_kg` is the recipient's (services.recipient_weight); without one the core
    computes with the specification's assumed weight (70 kg), as the detail says.
    """
    try:
        spec = release_spec_for(unit, on)
    except CellbankRefused:
        return ""  # no specification, no limit to judge by; the result is kept regardless
    limits = tuple(c for c in spec.criteria if isinstance(c, EndotoxinPerDose))
    evaluation = evaluate_release(replace(spec, criteria=limits), QcResults(
        values={ENDOTOXIN: eu_per_ml}, volume_ml=volume_ml, recipient_weight_kg=weight_kg))
    return "; ".join(v.detail for v in evaluation.verdicts if v.verdict is Verdict.FAIL)
