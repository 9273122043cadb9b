"""The cell lab's electronic signatures: what a release signs, a second person, QC verified.

A release is signed by a signed-in person who enters their password again (21 CFR 11.50,
11.200(a)); where the site's settings say so (SiteCellLabSettings: allogeneic products by
default) a second person signs too, and until then the unit stays in quarantine with its
release pending a second signature. Every QC result a release is judged on is verified by a
person other than the one who entered it (21 CFR 211.194(a)(8)), each verification a signature
of its own. docs/cell-products.md#electronic-signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from orthoregen.products.custody import UnitEvent
from orthoregen.products.release import ReleaseEvaluation
from orthoregen.products.status import TransitionRefused, UnitStatus, transition
from orthoregen.web.accounts.signatures import (
    RefusalReason,
    Signature,
    SignatureMeaning,
    SigningRefused,
    refusals_kept,
    signatures_of,
    signatures_sign,
    signing_refusal_record,
)
from orthoregen.web.cellbank.models import ProductUnit, QcResult, SiteCellLabSettings
from orthoregen.web.cellbank.services.core import CellbankRefused, unit_state
from orthoregen.web.cellbank.services.holds import hold_reason
from orthoregen.web.cellbank.services.release import lineage_qc
from orthoregen.web.cellbank.vocabulary import QcTest

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

FIRST_RELEASE = (SignatureMeaning.RELEASE, SignatureMeaning.CONDITIONAL_RELEASE)
RELEASE_MEANINGS = (*FIRST_RELEASE, SignatureMeaning.SECOND_PERSON_RELEASE)


@contextmanager
def signing_refusals() -> Iterator[None]:
    """Keep a row of a signing refused in the block and pass it on as a lab refusal."""
    try:
        with refusals_kept():
            yield
    except SigningRefused as refused:
        raise CellbankRefused(str(refused)) from None


def is_two_person_release(unit: ProductUnit) -> bool:
    """Say whether the unit's site wants a second person to sign its release."""
    settings = SiteCellLabSettings.of(unit.site)
    return settings.two_person_release_autologous if unit.is_autologous \
        else settings.two_person_release_allogeneic


def release_content(unit: ProductUnit, evaluation: ReleaseEvaluation, *, conditional: bool,
                    reason: str) -> dict:
    """Return what a release signature signs: the unit, its evaluation and QC, the decision.

    `custody_step` counts the unit's custody events, so a first signature made before the
    unit moved (released, then back to quarantine) no longer matches it.
    """
    return {"unit": unit.identifier, "product_class": unit.product_class,
            "specification": f"{evaluation.spec_id} {evaluation.spec_version}",
            "evaluation": str(evaluation.outcome),
            "qc_results": sorted(r.pk for r in lineage_qc(unit).values()),
            "conditional": conditional, "reason": reason,
            "custody_step": unit.custody.count()}


def release_pending(unit: ProductUnit, evaluation: ReleaseEvaluation) -> Signature | None:
    """Return the first signature of a release awaiting its second, if one still stands.

    It stands while the unit is in quarantine, bound to this unit, and nothing it signed
    has changed since (a new QC result, another evaluation, a custody step).
    """
    if unit.status != UnitStatus.QUARANTINE:
        return None
    first = signatures_of(unit).filter(meaning__in=FIRST_RELEASE) \
        .order_by("-signed_at", "-id").first()
    if first is None or not first.is_bound_to(unit):
        return None
    now = release_content(unit, evaluation, conditional=first.content.get("conditional"),
                          reason=first.content.get("reason", ""))
    return first if first.content == now else None


@dataclass(frozen=True)
class QcVerification:
    signed: tuple[Signature, ...]
    left_for_another: tuple[QcResult, ...]  # results the verifier entered


def qc_verifications(results: Iterable[QcResult]) -> dict[int, Signature]:
    """Return the QC verification signature of each result that has one, by result id."""
    from django.contrib.contenttypes.models import ContentType

    rows = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(QcResult),
        object_id__in=[r.pk for r in results], meaning=SignatureMeaning.QC_VERIFICATION)
    by_result = {r.pk: r for r in results}
    return {s.object_id: s for s in rows.select_related("signer")
            if s.is_bound_to(by_result[s.object_id])}


def unverified_results(unit: ProductUnit) -> list[QcResult]:
    """Return the results the unit's release is judged on that nobody else has verified."""
    results = list(lineage_qc(unit).values())
    verified = qc_verifications(results)
    return sorted((r for r in results if r.pk not in verified), key=lambda r: r.test)


def refuse_unverified_qc(unit: ProductUnit) -> None:
    """Refuse a release while a result it is judged on is not verified by a second person."""
    waiting = unverified_results(unit)
    if waiting:
        names = ", ".join(str(QcTest(r.test).label) for r in waiting)
        raise CellbankRefused(gettext(
            "Cannot release unit %(unit)s: QC results not yet verified by a second person: "
            "%(tests)s.") % {"unit": unit, "tests": names})


def qc_content(result: QcResult) -> dict:
    """Return what a QC verification signs: the result as entered, and who entered it."""
    return {"unit": result.unit.identifier, "test": result.test, "value": result.value,
            "outcome": result.outcome, "method": result.method,
            "at": result.at.isoformat(), "entered_by": result.by_id}


def qc_panel_verify(unit: ProductUnit, *, by: User, password: str, second_factor: bool = False,
                    at: datetime | None = None) -> QcVerification:
    """Verify, with one signature each, the unit's unverified results entered by others.

    Results `by` entered are left for someone else and each kept as a refused signing; if
    they are all there is, the verification is refused.
    """
    with signing_refusals():
        return _qc_panel_verify(unit, by=by, password=password, second_factor=second_factor,
                                at=at)


@transaction.atomic
def _qc_panel_verify(unit: ProductUnit, *, by: User, password: str, second_factor: bool,
                     at: datetime | None) -> QcVerification:
    unit = ProductUnit.objects.select_for_update(of=("self",)).get(pk=unit.pk)
    waiting = unverified_results(unit)
    if not waiting:
        raise CellbankRefused(gettext("Every QC result of unit %(unit)s is already verified.")
                              % {"unit": unit})
    own = [r for r in waiting if r.by_id == by.pk]
    others = [r for r in waiting if r.by_id != by.pk]
    refusals = [_self_verification([r], by) for r in own]
    if not others:
        raise _self_verification(own, by)
    signed = signatures_sign(signer=by, password=password,
                             meaning=SignatureMeaning.QC_VERIFICATION,
                             records=[(r, qc_content(r)) for r in others],
                             second_factor=second_factor, at=at)
    for refused in refusals:
        signing_refusal_record(refused)
    return QcVerification(tuple(signed), tuple(own))


def _self_verification(results: list[QcResult], by: User) -> SigningRefused:
    names = ", ".join(str(QcTest(r.test).label) for r in results)
    return SigningRefused(
        gettext("You entered %(tests)s of %(unit)s: another person verifies it.")
        % {"tests": names, "unit": results[0].unit.identifier},
        reason=RefusalReason.SELF_VERIFICATION, signer=by,
        meaning=SignatureMeaning.QC_VERIFICATION, record=results[0])


def refuse_same_signer(first: Signature, *, by: User, unit: ProductUnit) -> None:
    """Refuse a second signature by the person who made the first."""
    if first.signer_id == by.pk:
        raise SigningRefused(
            gettext("You signed the release of %(unit)s first: a second person signs it.")
            % {"unit": unit},
            reason=RefusalReason.SAME_PERSON, signer=by,
            meaning=SignatureMeaning.SECOND_PERSON_RELEASE, record=unit)


def refuse_if_core_refuses(unit: ProductUnit, event: UnitEvent, *, at: datetime) -> None:
    """Refuse, with the status machine's own reasons, a release it would refuse, before any
    signature is asked for: a first signature of a two-person release moves nothing."""
    try:
        transition(unit_state(unit, hold_reason=hold_reason(unit)), event, at=at)
    except TransitionRefused as refused:
        raise CellbankRefused(str(refused)) from None
