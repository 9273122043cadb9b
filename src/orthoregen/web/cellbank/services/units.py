"""Cell lab units of work: receive, test, release, issue, split, thaw, discard, recall.

Each function is one transaction; every status change goes through products.status and
leaves a CustodyEvent (docs/cell-products.md#chain-of-custody), and simple-history keeps the
row changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.products import custody
from orthoregen.products.division import divide_unit
from orthoregen.products.isbt128 import IdentifierError, parse_unit_identifier
from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.products.product_code import DivisionRefused, ProductCode, ProductCodeError
from orthoregen.products.release import ReleaseEvaluation
from orthoregen.products.scan import Scan, split_scan
from orthoregen.products.status import NOT_YET_IN_A_PATIENT, UnitStatus, safety_problems
from orthoregen.web.accounts.signatures import (
    Signature,
    SignatureMeaning,
    printed_name,
    signature_sign,
)
from orthoregen.web.cellbank.models import (
    CustodyEvent,
    Donor,
    Harvest,
    ProductUnit,
    QcResult,
    RefusedStep,
    UnitStepRefusal,
)
from orthoregen.web.cellbank.product_codes import default_product_code
from orthoregen.web.cellbank.services.core import (
    CellbankRefused,
    actor,
    apply_event,
    canonical_identifier,
    issue_target,
    unit_state,
)
from orthoregen.web.cellbank.services.holds import (
    hold_reason,
    lot_hold_after_result,
    lot_hold_reasons,
    lot_id_of,
)
from orthoregen.web.cellbank.services.investigations import (
    investigation_on_event,
    investigation_on_result,
)
from orthoregen.web.cellbank.services.release import release_evaluation
from orthoregen.web.cellbank.services.signoffs import (
    is_two_person_release,
    refuse_if_core_refuses,
    refuse_same_signer,
    refuse_unverified_qc,
    release_content,
    release_pending,
    signing_refusals,
)
from orthoregen.web.cellbank.vocabulary import HOLD_TESTS, OUTCOME_TESTS, QcOutcomeChoice, QcTest
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User


@dataclass(frozen=True)
class RecallResult:
    recalled: tuple[ProductUnit, ...]
    affected: tuple  # lookback.LookbackRow of every administration downstream


@transaction.atomic
def unit_receive(*, site: Site, by: User, identifier_text: str, product_class: str,
                 donor: Donor | None = None, harvest: Harvest | None = None,
                 collected_at: datetime, expires_at: datetime, storage: str,
                 is_cryopreserved: bool = False, max_post_thaw_hold_minutes: int | None = None,
                 processing_site: str = "", processing_operator: str = "",
                 sop_version: str = "", passage: int | None = None,
                 cell_count: float | None = None, viability_pct: float | None = None,
                 volume_ml: float | None = None, concentration_per_ml: float | None = None,
                 at: datetime | None = None, location: str = "",
                 parent: ProductUnit | None = None, product_code_text: str = "") -> ProductUnit:
    """Register a unit arriving in the lab; it enters quarantine.

    The Product Code is the one scanned with the identifier or given apart, else the
    placeholder of its product class (cellbank.product_codes).
    21 CFR 1271.60; docs/cell-products.md#eligibility-states.
    """
    at = at or timezone.now()
    try:
        scan = split_scan(identifier_text)
        identifier = parse_unit_identifier(scan.identifier_text)
        code = _product_code(scan, product_code_text, product_class)
    except IdentifierError as error:
        raise CellbankRefused(gettext("Unit identifier not accepted: %(error)s")
                              % {"error": error}) from None
    except ProductCodeError as error:
        raise CellbankRefused(gettext("Product Code not accepted: %(error)s")
                              % {"error": error}) from None
    text, kind = canonical_identifier(identifier)
    if ProductUnit.objects.filter(site=site, identifier=text, product_code=code.code).exists():
        raise CellbankRefused(gettext("A unit %(unit)s %(code)s is already registered.")
                              % {"unit": identifier.eye_readable, "code": code})
    _check_unit_measures(collected_at=collected_at, expires_at=expires_at, harvest=harvest,
                         cell_count=cell_count, viability_pct=viability_pct,
                         volume_ml=volume_ml, concentration_per_ml=concentration_per_ml)
    if expires_at <= at:
        # ISBT 128 DS005: past its expiry date-time a unit is not used; taking it into stock
        # would only put an expired unit on the shelf.
        raise CellbankRefused(gettext(
            "Unit %(unit)s expired at %(expired)s: an expired unit is not received. Check the "
            "expiry on its label; if it is right, the unit is discarded.") % {
                "unit": identifier.eye_readable,
                "expired": date_format(timezone.localtime(expires_at), "d M Y H:i T")})
    _check_source(product_class, donor, harvest, site)
    unit = ProductUnit.objects.create(
        site=site, identifier=text, identifier_kind=kind, product_class=product_class,
        product_code=code.code,
        donor=donor, harvest=harvest, parent=parent, collected_at=collected_at,
        expires_at=expires_at, storage=storage, status=UnitStatus.COLLECTED,
        is_cryopreserved=is_cryopreserved, max_post_thaw_hold_minutes=max_post_thaw_hold_minutes,
        processing_site=processing_site, processing_operator=processing_operator,
        sop_version=sop_version, passage=passage, cell_count=cell_count,
        viability_pct=viability_pct, volume_ml=volume_ml,
        concentration_per_ml=concentration_per_ml)
    event = custody.PlaceInQuarantine(actor=actor(by), location=location,
                                      reason="received into the cell lab")
    apply_event(unit, event, by=by, at=at, note="Received; held in quarantine until release.")
    return unit


def _product_code(scan: Scan, typed: str, product_class: str) -> ProductCode:
    given = [code for code in (scan.product_code, typed.strip() and ProductCode.parse(typed))
             if code]
    if len(set(given)) > 1:
        raise ProductCodeError(gettext("the Product Code scanned, %(scanned)s, is not the one "
                                       "typed, %(typed)s") % {"scanned": given[0],
                                                              "typed": given[1]})
    return given[0] if given else default_product_code(product_class)


def _check_unit_measures(*, collected_at: datetime, expires_at: datetime,
                         harvest: Harvest | None, cell_count: float | None,
                         viability_pct: float | None, volume_ml: float | None,
                         concentration_per_ml: float | None) -> None:
    """Refuse a collection that cannot be true and measures outside their possible range.

    Dates: clinic.plausible (an autologous unit is not collected before its patient's birth;
    nothing is collected tomorrow; a unit expires after it was collected). Measures:
    docs/plausible-ranges.md. Refused here, not only in the form, for every caller.
    """
    born = harvest.patient.date_of_birth if harvest is not None else None
    collected = gettext("the collection")
    if problems := date_problems(
            born=born, collected_at=Day(collected_at, gettext("The collection")),
            expires_at=Day(expires_at, gettext("The expiry"), collected_at, collected,
                           may_be_future=True)):
        raise CellbankRefused(first_problem(problems))
    if viability_pct is not None and not 0 <= viability_pct <= 100:
        raise CellbankRefused(gettext("Viability is a percentage from 0 to 100, not "
                                      "%(given)g.") % {"given": viability_pct})
    for given, what in ((cell_count, gettext("The total cell count")),
                        (concentration_per_ml, gettext("The concentration"))):
        if given is not None and not (math.isfinite(given) and given >= 0):
            raise CellbankRefused(gettext("%(what)s cannot be negative (%(given)g).")
                                  % {"what": what, "given": given})
    if volume_ml is not None and not (math.isfinite(volume_ml) and volume_ml > 0):
        raise CellbankRefused(gettext("A unit's volume is more than 0 mL, not %(given)g mL.")
                              % {"given": volume_ml})


def _check_source(product_class: str, donor: Donor | None, harvest: Harvest | None,
                  site: Site) -> None:
    if (donor is None) == (harvest is None):
        raise CellbankRefused(gettext(
            "A unit comes from exactly one source: a donor or a harvest."))
    info = PRODUCT_CLASSES[ProductClass(product_class)]
    if info.needs_donor_eligibility and donor is None:
        raise CellbankRefused(gettext("%(product_class)s is allogeneic: name its donor.")
                              % {"product_class": info.label})
    if not info.needs_donor_eligibility and harvest is None:
        raise CellbankRefused(gettext("%(product_class)s is autologous: name the patient's "
                                      "harvest.") % {"product_class": info.label})
    owner_site = donor.site_id if donor is not None else \
        harvest.patient.site_id if harvest is not None else None
    if owner_site != site.pk:
        raise CellbankRefused(gettext("The source belongs to another site."))


def qc_value_problem(test: str, *, value: float | None, outcome: str) -> str:
    """Return why a value or outcome cannot be a result of `test`, or "" if it can.

    Checked before anything is stored: a culture has an outcome and no number, a measured
    test a number in its range and no outcome (docs/cell-products.md#release-specifications).
    """
    if test not in QcTest.values:
        return gettext("%(test)r is not a QC test.") % {"test": test}
    label = QcTest(test).label
    if test in OUTCOME_TESTS:
        if outcome not in QcOutcomeChoice.values:
            return gettext("%(test)s needs a result: negative, positive or pending.") % {
                "test": label}
        if value is not None:
            return gettext("%(test)s is a culture: give its outcome, not a number "
                           "(%(value)g).") % {"test": label, "value": value}
        return ""
    if outcome:
        return gettext("%(test)s is measured: give a number, not %(outcome)r.") % {
            "test": label, "outcome": outcome}
    if value is None or not math.isfinite(value) or value < 0:
        return gettext("%(test)s needs a measured value of 0 or more, not %(value)s.") % {
            "test": label, "value": value}
    if test != QcTest.ENDOTOXIN and value > 100:
        return gettext("%(test)s is a percentage: at most 100, not %(value)g.") % {
            "test": label, "value": value}
    return ""


@transaction.atomic
def qc_record(unit: ProductUnit, *, by: User, test: str, value: float | None = None,
              outcome: str = "", method: str = "", at: datetime | None = None,
              base_url: str | None = None) -> QcResult:
    """Record one QC result; a final sterility result also moves the unit
    (docs/cell-products.md#conditional-release-pending-sterility).

    A test may be repeated (a confirmatory re-culture): each result is kept and the latest
    decides, so a positive after a negative stops the unit as a first positive would.

    A failed microbial or endotoxin result of a product some of which is already in patients
    opens (or adds to) a product investigation in the same transaction, and every unit of
    the lot not yet given is put on hold (services.holds).
    """
    at = at or timezone.now()
    # The lot before the unit: the investigation and the holds of the lot are decided under
    # its lock, which administration_record also waits for, and taking it first keeps one
    # lock order, so a result and an administration of one lot never cross unseen.
    lot = ProductUnit.objects.select_for_update().select_related("site").get(
        pk=lot_id_of(unit))
    unit = ProductUnit.objects.select_for_update().get(pk=unit.pk)
    if problem := qc_value_problem(test, value=value, outcome=outcome):
        raise CellbankRefused(problem)
    _refuse_if_older_than_latest(unit, test, at)
    before = lot_hold_reasons(lot) if test in HOLD_TESTS else {}
    result = QcResult.objects.create(unit=unit, test=test, value=value, outcome=outcome,
                                     method=method, at=at, by=by)
    investigation = investigation_on_result(result, by=by, base_url=base_url)
    if test == QcTest.STERILITY and outcome in ("negative", "positive"):
        event = custody.RecordSterility(actor=actor(by), result=custody.Sterility(outcome))
        note = f"Sterility culture {outcome}."
        if investigation is not None:
            note += (f" Product of this lot already given: product investigation "
                     f"{investigation.pk}, review these patients.")
        apply_event(unit, event, by=by, at=at, note=note)
    if test in HOLD_TESTS:
        # 3.7-3.8: the rest of the lot stops with the unit tested, as an investigation would.
        lot_hold_after_result(lot, result, investigation, by=by, at=at, before=before)
    return result


def _refuse_if_older_than_latest(unit: ProductUnit, test: str, at: datetime) -> None:
    # Results are kept, never replaced: a repeat test is a further result, and the latest
    # decides (the unit's sterility, its release evaluation, the holds of its lot). One dated
    # before the latest would decide nothing yet move the unit, so it is refused.
    latest = QcResult.objects.filter(unit=unit, test=test).order_by("-at", "-id").first()
    if latest is not None and at < latest.at:
        raise CellbankRefused(gettext(
            "%(test)s of %(unit)s already has a result at %(at)s; a further result is dated "
            "after it.") % {"test": QcTest(test).label, "unit": unit,
                            "at": date_format(timezone.localtime(latest.at), "d M Y H:i")})


@dataclass(frozen=True)
class ReleaseSigned:
    """A release signature, and the release's custody event once every signature is in."""

    signature: Signature
    event: CustodyEvent | None  # None: the release waits for a second person's signature


def unit_release(unit: ProductUnit, *, by: User, password: str, second_factor: bool = False,
                 conditional: bool = False, reason: str = "", at: datetime | None = None,
                 location: str = "") -> ReleaseSigned:
    """Sign the release of a unit against its specification, fully or pending sterility.

    `by` signs by entering their password again (21 CFR 11.200(a)); the signature's printed
    name is the release approver, never typed text. Every QC result the release is judged on
    must be verified by a second person first; where the site wants a second person to sign
    the release too (signoffs.is_two_person_release), the unit stays in quarantine until one
    does with unit_release_countersign. A refused signing is kept (accounts.signatures).
    See docs/cell-products.md#conditional-release-pending-sterility and
    docs/cell-products.md#electronic-signatures.
    """
    with signing_refusals():
        return _release_sign(unit, by=by, password=password, second_factor=second_factor,
                             conditional=conditional, reason=reason, at=at, location=location)


@transaction.atomic
def _release_sign(unit: ProductUnit, *, by: User, password: str, second_factor: bool,
                  conditional: bool, reason: str, at: datetime | None,
                  location: str) -> ReleaseSigned:
    at = at or timezone.now()
    unit = _locked(unit)
    evaluation = release_evaluation(unit)
    event = _release_event(by, printed_name(by), evaluation, conditional=conditional,
                           reason=reason, location=location)
    refuse_if_core_refuses(unit, event, at=at)
    refuse_unverified_qc(unit)
    meaning = SignatureMeaning.CONDITIONAL_RELEASE if conditional else SignatureMeaning.RELEASE
    content = release_content(unit, evaluation, conditional=conditional, reason=reason)
    signature = signature_sign(signer=by, password=password, meaning=meaning, record=unit,
                               content=content, second_factor=second_factor, at=at)
    if is_two_person_release(unit):
        return ReleaseSigned(signature, None)
    return ReleaseSigned(signature, _released(unit, event, [signature], by=by, at=at))


def unit_release_countersign(unit: ProductUnit, *, by: User, password: str,
                             second_factor: bool = False, at: datetime | None = None,
                             location: str = "") -> ReleaseSigned:
    """Sign a release pending a second signature as the second person; the unit is released.

    The second person is not the first (refused and kept otherwise) and signs what the first
    signed, which must still stand (signoffs.release_pending).
    """
    with signing_refusals():
        return _release_countersign(unit, by=by, password=password,
                                    second_factor=second_factor, at=at, location=location)


@transaction.atomic
def _release_countersign(unit: ProductUnit, *, by: User, password: str, second_factor: bool,
                         at: datetime | None, location: str) -> ReleaseSigned:
    at = at or timezone.now()
    unit = _locked(unit)
    evaluation = release_evaluation(unit)
    first = release_pending(unit, evaluation)
    if first is None:
        raise CellbankRefused(gettext("No release of unit %(unit)s awaits a second signature.")
                              % {"unit": unit})
    refuse_same_signer(first, by=by, unit=unit)
    refuse_unverified_qc(unit)
    signature = signature_sign(
        signer=by, password=password, meaning=SignatureMeaning.SECOND_PERSON_RELEASE,
        record=unit, content={**first.content, "first_signature": first.pk},
        second_factor=second_factor, at=at)
    event = _release_event(by, first.printed_name, evaluation,
                           conditional=first.content["conditional"],
                           reason=first.content["reason"], location=location)
    return ReleaseSigned(signature, _released(unit, event, [first, signature], by=by, at=at))


def _release_event(by: User, approver: str, evaluation: ReleaseEvaluation, *,
                   conditional: bool, reason: str,
                   location: str) -> custody.Release | custody.ConditionalRelease:
    name, approver = actor(by), approver[:100]
    if conditional:
        return custody.ConditionalRelease(actor=name, location=location, approver=approver,
                                          evaluation=evaluation.outcome, reason=reason)
    return custody.Release(actor=name, location=location, approver=approver,
                           evaluation=evaluation.outcome)


def _released(unit: ProductUnit, event: custody.Release | custody.ConditionalRelease,
              signatures: list[Signature], *, by: User,
              at: datetime) -> CustodyEvent:
    signed = "; ".join(f"{s.printed_name} ({s.get_meaning_display().lower()})"
                       for s in signatures)
    if isinstance(event, custody.ConditionalRelease):
        note = f"Released pending sterility, signed by {signed}: {event.reason}"
    else:
        spec = signatures[0].content["specification"]
        note = f"Released against {spec}, signed by {signed}."
    return apply_event(unit, event, by=by, at=at, note=note, hold_reason=hold_reason(unit))


def unit_issue(unit: ProductUnit, episode: JointEpisode, *, by: User,
               at: datetime | None = None, location: str = "") -> CustodyEvent:
    """Issue a released unit to one patient's joint episode.

    A unit on hold, from a donor not eligible, not released or past its expiry at this
    moment is refused naming each reason (status.safety_problems); the refusal is kept.
    """
    at = at or timezone.now()
    with _refusal_kept(unit, step=RefusedStep.ISSUE, episode=episode, by=by, at=at):
        return _issue(unit, episode, by=by, at=at, location=location)


@contextmanager
def _refusal_kept(unit: ProductUnit, *, step: str, by: User, at: datetime,
                  episode: JointEpisode | None = None) -> Iterator[None]:
    # The step's own transaction has rolled back by the time its refusal arrives here; the
    # record of it is written after, so the refusal itself stays in the audit trail.
    try:
        yield
    except CellbankRefused as refused:
        reasons = [{"kind": p.kind.value, "message": p.message} for p in refused.problems] \
            or [{"kind": "other", "message": str(refused)}]
        UnitStepRefusal.objects.create(unit=unit, step=step, episode=episode, by=by, at=at,
                                       message=str(refused), reasons=reasons)
        raise


@transaction.atomic
def _issue(unit: ProductUnit, episode: JointEpisode, *, by: User, at: datetime,
           location: str) -> CustodyEvent:
    unit = _locked(unit)
    if episode.patient.site_id != unit.site_id:
        raise CellbankRefused(gettext("The unit and the patient belong to different sites."))
    if unit.harvest is not None and unit.harvest.patient_id != episode.patient_id:
        # 3.6 autologous chain of identity: the donor is the patient.
        raise CellbankRefused(gettext("Unit %(unit)s is autologous, harvested from another "
                                      "patient: it can be issued only to that patient.")
                              % {"unit": unit.identifier})
    held = hold_reason(unit)
    _refuse_if_unsafe(unit, "issue", at=at, hold=held)
    event = custody.Issue(actor=actor(by), location=location, target=issue_target(episode))
    unit.issued_to_episode = episode
    return apply_event(unit, event, by=by, at=at, hold_reason=held,
                       note=f"Issued to {episode.patient} for the {episode}.")


def _refuse_if_unsafe(unit: ProductUnit, step: str, *, at: datetime, hold: str) -> None:
    # Asked before the status machine's own order check, so a unit a donor event took off the
    # shelf is refused for the donor and the hold, not only for being in quarantine.
    problems = safety_problems(unit_state(unit, hold_reason=hold), at)
    if problems:
        reasons = "; ".join(problem.message for problem in problems)
        refusal = {"issue": gettext("cannot issue unit %(unit)s: %(reasons)s"),
                   "thaw": gettext("cannot thaw unit %(unit)s: %(reasons)s")}[step]
        raise CellbankRefused(refusal % {"unit": unit.identifier, "reasons": reasons}, problems)


def unit_thaw(unit: ProductUnit, *, by: User, at: datetime | None = None,
              location: str = "") -> CustodyEvent:
    """Record the thaw of an issued cryopreserved unit; its hold clock starts now.

    See docs/cell-products.md#post-thaw-hold. Refused, naming each reason, for a unit not
    safe at this moment (as unit_issue); the refusal is kept.
    """
    at = at or timezone.now()
    with _refusal_kept(unit, step=RefusedStep.THAW, by=by, at=at):
        return _thaw(unit, by=by, at=at, location=location)


@transaction.atomic
def _thaw(unit: ProductUnit, *, by: User, at: datetime, location: str) -> CustodyEvent:
    unit = _locked(unit)
    held = hold_reason(unit)
    _refuse_if_unsafe(unit, "thaw", at=at, hold=held)
    return apply_event(unit, custody.Thaw(actor=actor(by), location=location), by=by, at=at,
                       note=f"Thawed; validated hold {unit.max_post_thaw_hold_minutes} min.",
                       hold_reason=held)


@transaction.atomic
def unit_discard(unit: ProductUnit, *, by: User, reason: str, at: datetime | None = None,
                 location: str = "") -> CustodyEvent:
    """Discard a unit that has not gone into a patient, with the reason."""
    at = at or timezone.now()
    unit = _locked(unit)
    event = custody.Discard(actor=actor(by), location=location, reason=reason)
    return apply_event(unit, event, by=by, at=at, note=f"Discarded: {reason}")


@transaction.atomic
def unit_expire(unit: ProductUnit, *, by: User, at: datetime | None = None,
                location: str = "") -> CustodyEvent:
    """Mark a unit expired once its expiry time has passed (ISBT 128 DS005)."""
    at = at or timezone.now()
    unit = _locked(unit)
    return apply_event(unit, custody.Expire(actor=actor(by), location=location), by=by, at=at,
                       note="Expired in storage.")


@transaction.atomic
def unit_recall(unit: ProductUnit, *, by: User, reason: str, at: datetime | None = None,
                location: str = "") -> RecallResult:
    """Recall a unit and its descendants; return them and every patient who received one.

    In the same transaction the rest of its lot goes on hold, under a product investigation
    that puts every recipient of the lot under review (services.investigations).
    """
    from orthoregen.web.cellbank.lookback import lookback_from_units

    at = at or timezone.now()
    # The lot first, as qc_record and the bedside take it: one lock order.
    lot = ProductUnit.objects.select_for_update().get(pk=lot_id_of(unit))
    rows = lookback_from_units([unit.pk], site_ids=[unit.site_id])
    reached = ProductUnit.objects.select_for_update(of=("self",)) \
        .filter(pk__in={r.unit_id for r in rows})
    recalled = []
    for each in reached.select_related("donor", "issued_to_episode__patient", "site"):
        if each.status in NOT_YET_IN_A_PATIENT:
            note = f"Recalled with {unit}: {reason}"
            if each.issued_to_episode is not None:
                note += (f". The issue to {each.issued_to_episode.patient} for the "
                         f"{each.issued_to_episode} is cancelled.")
                each.issued_to_episode = None
            event = custody.Recall(actor=actor(by), location=location, reason=reason)
            apply_event(each, event, by=by, at=at, note=note)
            recalled.append(each)
    affected = tuple(r for r in rows if r.administered_at is not None)
    if not recalled and not affected:
        raise CellbankRefused(gettext("Unit %(unit)s is %(status)s: nothing left to recall.")
                              % {"unit": unit, "status": unit.status})
    investigation_on_event(lot, reason=f"Unit {unit} recalled: {reason}", by=by, at=at)
    return RecallResult(tuple(recalled), affected)


@transaction.atomic
def unit_split(unit: ProductUnit, *, by: User, volumes_ml: list[float],
               at: datetime | None = None, location: str = "") -> list[ProductUnit]:
    """Divide a unit into parts that keep its identifier (the DIN) and differ by the division
    code of their Product Code: 00 -> A0, B0...; A0 -> Aa, Ab... (ICCBBA ST-001 v6.2.2 2.4.3,
    7.3.1; products.division.divide_unit, whose refusal is passed on).

    Parts keep the parent's source, product, expiry, release and sterility, so QC done on the
    parent (the lot) applies to them. The parent is used up: the status machine discards it
    with "divided into ..." as reason, and its page shows it as divided, with its parts.
    """
    at = at or timezone.now()
    unit = _locked(unit)
    if unit.volume_ml is not None and sum(volumes_ml) > unit.volume_ml + 1e-9:
        raise CellbankRefused(gettext("The divisions add up to %(total)g mL; the unit holds "
                                      "%(held)g mL.") % {"total": sum(volumes_ml),
                                                         "held": unit.volume_ml})
    try:
        parts = divide_unit(unit_state(unit), ProductCode.parse(unit.product_code),
                            len(volumes_ml))
    except (DivisionRefused, ProductCodeError) as refused:
        raise CellbankRefused(gettext("Unit %(unit)s is not divided: %(reason)s.")
                              % {"unit": unit.identified_as, "reason": refused}) from None
    children = [_child(unit, part.product_code, volume, by, at, location)
                for part, volume in zip(parts, volumes_ml, strict=True)]
    names = ", ".join(c.product_code for c in children)
    apply_event(unit, custody.Discard(actor=actor(by), location=location,
                                      reason=f"divided into {names}"),
                by=by, at=at, note=f"Divided into {names}, each keeping {unit.identifier}.")
    return children


def _child(parent: ProductUnit, code: ProductCode, volume: float, by: User, at: datetime,
           location: str) -> ProductUnit:
    if ProductUnit.objects.filter(site=parent.site_id, identifier=parent.identifier,
                                  product_code=code.code).exists():
        raise CellbankRefused(gettext("A unit %(unit)s %(code)s already exists.")
                              % {"unit": parent.identifier, "code": code})
    fields = {f.name: getattr(parent, f.name) for f in ProductUnit._meta.concrete_fields
              if f.name not in ("id", "product_code", "parent", "volume_ml", "cell_count",
                                "created_at")}
    cells = None if parent.concentration_per_ml is None else parent.concentration_per_ml * volume
    child = ProductUnit.objects.create(**fields, product_code=code.code, parent=parent,
                                       volume_ml=volume, cell_count=cells)
    CustodyEvent.objects.create(unit=child, from_status="", to_status=child.status, by=by, at=at,
                                location=location or parent.site.name,
                                note=f"Divided from {parent.identified_as}.")
    return child


def _locked(unit: ProductUnit) -> ProductUnit:
    return ProductUnit.objects.select_for_update(of=("self",)).select_related(
        "donor", "harvest", "issued_to_episode", "site").get(pk=unit.pk)
