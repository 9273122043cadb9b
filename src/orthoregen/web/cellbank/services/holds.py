"""Holds: while a failed result or an open investigation stands, no unit of its lot goes on.

Sources: docs/cell-products.md#product-status (the flag ON_HOLD_INVESTIGATION beside the
status; every change records who, when and why), docs/cell-products.md#lineage-and-look-back
(a positive sterility or mycoplasma result after release triggers recall and look-back over
the whole lineage) and docs/cell-products.md#endotoxin (USP <85>, endotoxin per dose: for a
unit issued to a patient, that patient's recorded weight; otherwise 70 kg). A failed
microbial result on any unit of a split tree, endotoxin over a unit's per-dose limit, or an
open product investigation of the lot holds every unit of the tree not yet given: whether
the fault came before or after the division is what the investigation finds out.

Where products.status allows it (ALLOWED_FROM), a held unit is placed in quarantine. From
quarantine, issued and thawed there is no legal quarantine transition: such a unit keeps
its status, the hold is written as a custody event, and the status machine refuses to
release, issue, thaw or give it (UnitState.hold_reason) while the hold stands. Holds are read
from the records, not stored: one ends when its investigation is closed, or when a later
result of the same test on the same unit no longer fails (the latest result decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from orthoregen.products import custody
from orthoregen.products.status import ALLOWED_FROM, NOT_YET_IN_A_PATIENT, UnitStatus
from orthoregen.web.cellbank.lookback import lookback_from_units
from orthoregen.web.cellbank.models import (
    CustodyEvent,
    ProductInvestigation,
    ProductUnit,
    QcResult,
)
from orthoregen.web.cellbank.services.core import actor, apply_event
from orthoregen.web.cellbank.services.recipient_weight import (
    endotoxin_over_recipient_limit,
    recipient_weight,
)
from orthoregen.web.cellbank.services.release import endotoxin_over_limit
from orthoregen.web.cellbank.vocabulary import (
    HOLD_TESTS,
    MICROBIAL_TESTS,
    InvestigationStatus,
    QcTest,
)

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

QUARANTINE_FROM = ALLOWED_FROM[custody.PlaceInQuarantine]


def lot_id_of(unit: ProductUnit) -> int:
    """Return the id of the first unit of the split tree the unit belongs to (its lot)."""
    lot_id, parent_id = unit.pk, unit.parent_id
    while parent_id is not None:
        lot_id, parent_id = parent_id, ProductUnit.objects.values_list(
            "parent_id", flat=True).get(pk=parent_id)
    return lot_id


def hold_reason(unit: ProductUnit) -> str:
    """Return why the unit may not go towards a patient now, or "" if nothing holds it."""
    lot = ProductUnit.objects.get(pk=lot_id_of(unit))
    return hold_reasons(lot, [unit])[unit.pk]


def hold_reasons(lot: ProductUnit, units: Iterable[ProductUnit]) -> dict[int, str]:
    """Return, for units of one lot's tree, what holds each ("" for none)."""
    opened = [f"product investigation {i.pk} of lot {lot.identifier} is open" + _events(i)
              for i in ProductInvestigation.objects.filter(lot=lot,
                                                           status=InvestigationStatus.OPEN)]
    standing = _standing_results(_tree(lot))
    return {unit.pk: "; ".join(opened + [why for result in standing
                                         if (why := failure_for(result, unit))])
            for unit in units}


def _events(investigation: ProductInvestigation) -> str:
    # A failed result is named by failure_for while it stands; a donor event or a recall
    # has no result to stand, so the hold says it here.
    events = [f.reason for f in investigation.findings.filter(qc_result__isnull=True)]
    return f" ({'; '.join(events)})" if events else ""


def failure_for(result: QcResult, unit: ProductUnit) -> str:
    """Return how `result` (of any unit of the lot) stops `unit`, or "" if it does not."""
    if result.test in MICROBIAL_TESTS:
        return (f"{QcTest(result.test).label} positive on unit {result.unit.identifier}"
                if result.outcome == "positive" else "")
    if result.test != QcTest.ENDOTOXIN or result.value is None:
        return ""
    # The lot's liquid: a concentration measured on any unit is judged for this unit's dose,
    # against the limit of the patient it is issued to when there is one, else 70 kg (USP <85>;
    # docs/cell-products.md#endotoxin).
    today, whose = timezone.localdate(), ""
    if unit.issued_to_episode is None:
        detail = endotoxin_over_limit(result.value, unit, on=today, volume_ml=unit.volume_ml)
    else:
        whose = " for the patient it is issued to"
        detail = endotoxin_over_recipient_limit(
            result.value, unit, on=today, volume_ml=unit.volume_ml,
            weight=recipient_weight(unit.issued_to_episode.patient, today))
    return (f"endotoxin {result.value:g} EU/mL on unit {result.unit.identifier} is over the "
            f"per-dose limit of unit {unit.identifier}{whose} ({detail})") if detail else ""


def lot_hold_after_result(lot: ProductUnit, result: QcResult,
                          investigation: ProductInvestigation | None, *, by: User,
                          at: datetime, before: dict[int, str]) -> None:
    """Hold the lot's units not yet given that `result` (or the investigation it opened or
    joined) stops; note a lifted hold on those it no longer stops. `before` is
    hold_reasons of the same units before the result was saved."""
    pending = _pending_locked(lot)
    after = hold_reasons(lot, pending)
    opened = (f"product investigation {investigation.pk} of lot {lot.identifier} is open"
              if investigation is not None else "")
    for unit in pending:
        why = "; ".join(w for w in (failure_for(result, unit), opened) if w)
        if why:
            _hold(unit, why, by=by, at=at)
        elif before.get(unit.pk) and not after[unit.pk]:
            shown = result.get_outcome_display() if result.outcome else f"{result.value:g}"
            _note(unit, by=by, at=at, note=(
                f"Hold lifted: {result.get_test_display()} {shown} on unit "
                f"{result.unit.identifier} is now the latest result."))


def lot_hold_on_event(lot: ProductUnit, investigation: ProductInvestigation, *, why: str,
                      by: User, at: datetime) -> list[ProductUnit]:
    """Hold every unit of the lot's tree not yet given, for a donor event or a recall.

    Released units leave the shelf (quarantine); issued and thawed ones are recalled and their
    issue cancelled, so no bedside finds them issued; the rest keep their status with the hold
    written on their custody trail. Returns the units reached.
    """
    pending = _pending_locked(lot)
    held = f"{why}; product investigation {investigation.pk} of lot {lot.identifier} is open"
    for unit in pending:
        if unit.status in (UnitStatus.ISSUED, UnitStatus.THAWED):
            _recall_issued(unit, held, by=by, at=at)
        else:
            _hold(unit, held, by=by, at=at)
    return pending


def _recall_issued(unit: ProductUnit, why: str, *, by: User, at: datetime) -> None:
    episode = unit.issued_to_episode
    note = f"Recalled, on hold: {why}."
    if episode is not None:
        note += f" The issue to {episode.patient} for the {episode} is cancelled."
    unit.issued_to_episode = None
    event = custody.Recall(actor=actor(by), reason=f"on hold: {why}")
    apply_event(unit, event, by=by, at=at, note=note)


def lot_hold_reasons(lot: ProductUnit) -> dict[int, str]:
    """Return what holds each unit of the lot not yet given, read before a change."""
    pending = list(ProductUnit.objects.filter(pk__in=_tree(lot),
                                              status__in=NOT_YET_IN_A_PATIENT))
    return hold_reasons(lot, pending)


def lot_hold_after_close(investigation: ProductInvestigation, *, by: User, at: datetime) -> None:
    """Note on every unit of the lot not yet given that the investigation closed, and
    whether anything still holds it."""
    lot = investigation.lot
    pending = _pending_locked(lot)
    for unit, still in zip(pending, hold_reasons(lot, pending).values(), strict=True):
        outcome = (f"still on hold: {still}." if still else
                   "hold lifted" + ("; it goes on only after a release by a named approver."
                                    if unit.status == UnitStatus.QUARANTINE else "."))
        _note(unit, by=by, at=at,
              note=f"Product investigation {investigation.pk} closed: {outcome}")


def _standing_results(tree: list[int]) -> list[QcResult]:
    # The latest final result of each test on each unit decides (a repeat culture still
    # pending does not lift a hold); one a closed investigation concluded on holds no more.
    latest: dict[tuple[int, str], QcResult] = {}
    rows = QcResult.objects.filter(unit_id__in=tree, test__in=HOLD_TESTS).exclude(
        outcome="pending").select_related(
        "unit", "investigation_finding__investigation").order_by("-at", "-id")
    for result in rows:
        latest.setdefault((result.unit_id, result.test), result)
    return [r for r in latest.values() if not _concluded(r)]


def _concluded(result: QcResult) -> bool:
    finding = getattr(result, "investigation_finding", None)
    return finding is not None and finding.investigation.status == InvestigationStatus.CLOSED


def _tree(lot: ProductUnit) -> list[int]:
    return [row.unit_id for row in lookback_from_units([lot.pk], site_ids=[lot.site_id])]


def _pending_locked(lot: ProductUnit) -> list[ProductUnit]:
    return list(ProductUnit.objects.select_for_update(of=("self",))
                .filter(pk__in=_tree(lot), status__in=NOT_YET_IN_A_PATIENT)
                .select_related("site", "donor", "issued_to_episode__patient").order_by("id"))


def _hold(unit: ProductUnit, why: str, *, by: User, at: datetime) -> None:
    if unit.status in QUARANTINE_FROM:
        event = custody.PlaceInQuarantine(actor=actor(by), reason=f"on hold: {why}")
        apply_event(unit, event, by=by, at=at, note=f"Quarantined, on hold: {why}.")
        return
    if unit.status == UnitStatus.QUARANTINE:
        _note(unit, by=by, at=at, note=(
            f"On hold: {why}. Already in quarantine: it is not released while the hold stands."))
        return
    _note(unit, by=by, at=at, note=(
        f"On hold: {why}. No quarantine transition exists from {unit.status}: the unit keeps "
        "its status and is not released, issued, thawed or given while the hold stands."))


def _note(unit: ProductUnit, *, by: User, at: datetime, note: str) -> None:
    # A hold changes no status, but the custody trail says who held the unit, when and why.
    CustodyEvent.objects.create(unit=unit, from_status=unit.status, to_status=unit.status,
                                by=by, at=at, location=unit.site.name, note=note)
