"""Procedure-room units of work: start a session, record each joint, administer.

Sources: docs/cell-products.md#procedure-record (guidance, injection record, time-out),
docs/cell-products.md#bedside-identity-check (every attempt is kept; a failed one refuses the
administration) and docs/cell-products.md#cell-dose-and-volume (cells delivered =
concentration x volume, viable = x viability).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.products import custody
from orthoregen.products.bedside import (
    BedsideResult,
    IssuedUnit,
    Mismatch,
    MismatchKind,
    PatientIdentity,
    PresentedPatient,
    verify_bedside,
)
from orthoregen.products.dose import cell_dose, exceeds_joint_volume
from orthoregen.products.episode import Joint, Side
from orthoregen.products.isbt128 import IdentifierError, IdentifierProblem, parse_unit_identifier
from orthoregen.products.procedure_record import Approach as CoreApproach
from orthoregen.products.procedure_record import Guidance as CoreGuidance
from orthoregen.products.procedure_record import (
    ImageReference,
    InjectionRecord,
    IssuedVolume,
    ProcedureProblem,
    procedure_problems,
)
from orthoregen.products.procedure_record import ProblemKind as RecordProblem
from orthoregen.products.product_code import ProductCodeError
from orthoregen.products.scan import Scan, split_scan
from orthoregen.products.status import UnitStatus
from orthoregen.web import stages
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    Procedure,
    ProcedureJoint,
    ProductUnit,
)
from orthoregen.web.cellbank.services.core import (
    CellbankRefused,
    actor,
    apply_event,
    canonical_identifier,
    identifier_of,
    issue_target,
    unit_state,
)
from orthoregen.web.cellbank.services.holds import hold_reason, lot_id_of
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem
from orthoregen.web.procedures.gate import procedure_gate_check

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

# Guidance and approach per joint are the core's (products.procedure_record: the versioned
# guidance policy, CFG, docs/cell-products.md#image-guidance): landmark injection is allowed at
# no joint by default, and never at the hip.


class BedsideCheckFailed(CellbankRefused):
    """The bedside check did not pass; the attempt was logged with every mismatch."""

    def __init__(self, attempt: BedsideCheckAttempt) -> None:
        self.attempt = attempt
        super().__init__("; ".join(m["message"] for m in attempt.mismatches))


@transaction.atomic
def procedure_start(patient: Patient, episodes: Iterable[JointEpisode], *, by: User,
                    performed_on: date, time_out_completed: bool,
                    time_out_at: datetime | None = None, notes: str = "") -> Procedure:
    """Open an injection session for one or more joints, each with consent and a decision."""
    episodes = list(episodes)
    if not episodes:
        raise CellbankRefused(gettext("Choose at least one joint to treat."))
    if problems := date_problems(born=patient.date_of_birth, performed_on=Day(
            performed_on, gettext("The procedure date"))):
        raise CellbankRefused(first_problem(problems))
    for episode in episodes:
        if episode.patient_id != patient.pk:
            raise CellbankRefused(gettext("A session treats the joints of one patient."))
        procedure_gate_check(episode, performed_on)
    procedure = Procedure.objects.create(
        patient=patient, performed_on=performed_on, operator=by,
        time_out_completed=time_out_completed,
        time_out_at=time_out_at or (timezone.now() if time_out_completed else None), notes=notes)
    ProcedureJoint.objects.bulk_create(
        [ProcedureJoint(procedure=procedure, episode=e) for e in episodes])
    for joint in procedure.joints.all():
        joint.save()  # one history row each, as bulk_create writes none
    return procedure


class Unchanged(Enum):
    """A detail left as it is recorded (see procedure_joint_update)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@transaction.atomic
def procedure_joint_update(
        procedure_joint: ProcedureJoint, *, indication: str | Unchanged = UNCHANGED,
        guidance: str | Unchanged = UNCHANGED, approach: str | Unchanged = UNCHANGED,
        landmark_reason: str | Unchanged = UNCHANGED,
        image_reference: str | Unchanged = UNCHANGED,
        needle_gauge: int | None | Unchanged = UNCHANGED,
        aspirate_volume_ml: float | None | Unchanged = UNCHANGED,
        injectate_volume_ml: float | None | Unchanged = UNCHANGED,
        adjuncts: str | Unchanged = UNCHANGED, complications: str | Unchanged = UNCHANGED,
        by: User) -> ProcedureJoint:
    """Record the injection details of one joint: guidance, approach, image, needle, volumes.

    Only the details given are written; the others keep what is recorded, so that two people
    recording different details of one joint at once do not undo each other's. The record as
    it would then stand is checked by products.procedure_record, and any contradiction
    refuses it whole: guidance the joint is not injected under, another joint's approach, an
    approach made under other guidance, more injectate than the units issued to the episode,
    a malformed image reference. What is merely not recorded yet (the approach, the image,
    the issue of a unit) is not a contradiction and waits.
    See docs/cell-products.md#injection-record, #procedure-record-consistency.
    """
    given = {name: value for name, value in (
        ("indication", indication), ("guidance", guidance), ("approach", approach),
        ("landmark_reason", landmark_reason), ("image_reference", image_reference),
        ("needle_gauge", needle_gauge), ("aspirate_volume_ml", aspirate_volume_ml),
        ("injectate_volume_ml", injectate_volume_ml), ("adjuncts", adjuncts),
        ("complications", complications)) if value is not UNCHANGED}
    procedure_joint = ProcedureJoint.objects.select_for_update(of=("self",)) \
        .select_related("episode").get(pk=procedure_joint.pk)
    joint = procedure_joint.episode.joint
    volume = None if injectate_volume_ml is UNCHANGED else injectate_volume_ml
    if volume is not None and exceeds_joint_volume(Joint(joint), volume):
        raise CellbankRefused(gettext(
            "%(volume)g mL is above the default maximum injectate volume for the %(joint)s (a "
            "project default drawn from the injectate volumes of published trials).")
            % {"volume": volume, "joint": joint})
    for name, value in given.items():
        setattr(procedure_joint, name, value)
    problems = record_contradictions(procedure_joint)
    if problems:
        raise CellbankRefused("; ".join(p.message for p in problems) + ".")
    procedure_joint._history_user = by  # type: ignore[attr-defined]
    procedure_joint.save()
    return procedure_joint


# Not yet recorded is not a contradiction: these wait for the rest of the record.
NOT_YET_RECORDED = frozenset({RecordProblem.APPROACH_MISSING, RecordProblem.IMAGE_MISSING,
                              RecordProblem.NO_UNIT_ISSUED, RecordProblem.VOLUME_INVALID,
                              RecordProblem.UNIT_VOLUME_UNKNOWN})


def record_contradictions(pj: ProcedureJoint) -> list[ProcedureProblem]:
    """Return what contradicts the core's rules in a joint's record as it stands."""
    problems = procedure_problems(injection_record(pj), issued_volumes(pj))
    return [p for p in problems if p.kind not in NOT_YET_RECORDED]


# What may wait while the joint's record is written, but not past the administration: the
# approach is chosen, and under image guidance the needle's placement seen and stored, before
# the cells go in (docs/cell-products.md#image-guided-administration).
REQUIRED_AT_ADMINISTRATION = frozenset({RecordProblem.APPROACH_MISSING,
                                        RecordProblem.IMAGE_MISSING})


def missing_before_administration(pj: ProcedureJoint) -> list[ProcedureProblem]:
    """Return what the record still lacks that an administration needs first."""
    problems = procedure_problems(injection_record(pj), issued_volumes(pj))
    return [p for p in problems if p.kind in REQUIRED_AT_ADMINISTRATION]


def injection_record(pj: ProcedureJoint) -> InjectionRecord:
    """Return a procedure joint's record as the core's value."""
    reference = pj.image_reference.strip()
    # A DICOM UID is digits and dots (PS3.5 9.1); anything else is the clinic's own image id.
    is_uid = bool(reference) and set(reference) <= set("0123456789.")
    images = (ImageReference(study_instance_uid=reference) if is_uid
              else ImageReference(stored_image_id=reference),) if reference else ()
    return InjectionRecord(
        episode_id=str(pj.episode_id), joint=Joint(pj.episode.joint),
        guidance=CoreGuidance(pj.guidance),
        approach=CoreApproach(pj.approach) if pj.approach else None,
        injectate_volume_ml=pj.injectate_volume_ml or 0.0,
        landmark_reason=pj.landmark_reason, images=images)


def issued_volumes(pj: ProcedureJoint) -> list[IssuedVolume]:
    """Return the units issued to the joint's episode, and the one given in this joint."""
    units = ProductUnit.objects.filter(
        Q(issued_to_episode=pj.episode_id, status__in=[UnitStatus.ISSUED, UnitStatus.THAWED])
        | Q(administration__procedure_joint=pj))
    return [IssuedVolume(unit.identified_as, str(pj.episode_id), unit.volume_ml)
            for unit in units.distinct()]


def administration_record(procedure_joint: ProcedureJoint, *, by: User,
                          scanned_identifier: str, name: str = "",
                          date_of_birth: date | None = None, mrn: str = "", joint: str,
                          side: str, at: datetime | None = None) -> Administration:
    """Record an administration only after the bedside identity check passes
    (docs/cell-products.md#bedside-identity-check).

    The attempt is saved whether or not it passes; a failed one raises BedsideCheckFailed
    after its transaction has committed, so the refusal itself stays in the record.
    """
    at = at or timezone.now()
    if joint not in Joint._value2member_map_ or side not in Side._value2member_map_:
        raise CellbankRefused(gettext("Name the joint and side from the list, not %(joint)r "
                                      "%(side)r.") % {"joint": joint, "side": side})
    with transaction.atomic():
        attempt, administration = _check_and_administer(
            procedure_joint, by=by, scanned=scanned_identifier,
            presented=PresentedPatient(name=_wristband_order(name) or None,
                                       date_of_birth=date_of_birth, mrn=mrn.strip() or None),
            joint=joint, side=side, at=at)
    if administration is None:
        raise BedsideCheckFailed(attempt)
    return administration


def _check_and_administer(pj: ProcedureJoint, *, by: User, scanned: str,
                          presented: PresentedPatient, joint: str, side: str, at: datetime
                          ) -> tuple[BedsideCheckAttempt, Administration | None]:
    pj = ProcedureJoint.objects.select_for_update(of=("self",)).select_related(
        "procedure", "episode__patient__site").get(pk=pj.pk)
    if Administration.objects.filter(procedure_joint=pj).exists():
        raise CellbankRefused(gettext("An administration is already recorded for the %(episode)s.")
                              % {"episode": pj.episode})
    if not pj.procedure.time_out_completed:
        raise CellbankRefused(gettext(
            "Complete the time-out before any administration (UP.01.03.01)."))
    if pj.injectate_volume_ml is None:
        raise CellbankRefused(gettext(
            "Record the injectate volume first: the cell dose comes from it."))
    contradictions = record_contradictions(pj)
    if contradictions:
        # E.g. a smaller unit issued after the volume was recorded: correct the record first.
        raise CellbankRefused("; ".join(p.message for p in contradictions) + ".")
    if unrecorded := missing_before_administration(pj):
        raise CellbankRefused(gettext("Before the administration, record it: %(missing)s.")
                              % {"missing": "; ".join(p.message for p in unrecorded)})
    episode = pj.episode
    unit = _unit_with_its_lot_locked(episode, scanned)
    hold = hold_reason(unit) if unit is not None else ""
    mismatches = _bedside_mismatches(unit, episode, scanned, presented, joint, side, at, hold)
    attempt = BedsideCheckAttempt.objects.create(
        procedure_joint=pj, unit=unit, scanned_identifier=scanned[:60],
        presented_name=presented.name or "", presented_date_of_birth=presented.date_of_birth,
        presented_mrn=presented.mrn or "", joint=joint, side=side, passed=not mismatches,
        mismatches=[{"kind": m.kind.value, "message": m.message} for m in mismatches],
        by=by, at=at)
    if mismatches:
        return attempt, None
    assert unit is not None  # no unit found is itself a mismatch (_bedside_mismatches)
    event = custody.Administer(actor=actor(by), target=issue_target(episode))
    apply_event(unit, event, by=by, at=at, hold_reason=hold,
                note=f"Administered into the {episode} of {episode.patient}.")
    dose = cell_dose(unit.concentration_per_ml or 0.0, pj.injectate_volume_ml,
                     viability_percent=unit.viability_pct)
    pj.cell_dose, pj.viable_cell_dose = dose.total_cells, dose.viable_cells
    pj.save()
    administration = Administration.objects.create(procedure_joint=pj, unit=unit,
                                                   bedside_check=attempt, administered_at=at,
                                                   by=by)
    # The follow-up clock of this joint starts at the administration, in the same
    # transaction: an administration never exists without its schedule (web/stages.py).
    stages.after_administration(administration, by=by)
    return attempt, administration


def _bedside_mismatches(unit: ProductUnit | None, episode: JointEpisode, scanned: str,
                        presented: PresentedPatient, joint: str, side: str, at: datetime,
                        hold: str) -> list[Mismatch]:
    try:
        scan = split_scan(scanned)
    except ProductCodeError as error:
        return [Mismatch(MismatchKind.UNREADABLE_IDENTIFIER, f"Product Code not accepted: {error}")]
    if unit is None:
        try:
            parse_unit_identifier(scan.identifier_text)
        except IdentifierError as error:
            wrong_check = error.problem in (IdentifierProblem.WRONG_CHECK_CHARACTER,
                                            IdentifierProblem.WRONG_FLAG_CHECK)
            kind = MismatchKind.WRONG_CHECK_CHARACTER if wrong_check \
                else MismatchKind.UNREADABLE_IDENTIFIER
            first = Mismatch(kind, f"unit identifier not accepted: {error}")
        else:
            first = Mismatch(MismatchKind.NOT_ISSUED,
                             f"no unit is issued for the {episode}, and the scanned unit is "
                             "not registered here")
        return [first]
    patient = unit.issued_to_episode.patient if unit.issued_to_episode else episode.patient
    issued = IssuedUnit(
        identifier=identifier_of(unit), state=unit_state(unit, hold_reason=hold),
        patient=PatientIdentity(name=f"{patient.given_name} {patient.family_name}",
                                date_of_birth=patient.date_of_birth, mrn=patient.mrn),
        autologous_source_patient_id=str(unit.harvest.patient_id) if unit.harvest else None)
    result = verify_bedside(issued, scan.identifier_text, presented, joint=Joint(joint),
                            side=Side(side), now=at)
    mismatches = [*result.mismatches, *_product_code_mismatches(unit, scan, result)]
    issued_elsewhere = unit.issued_to_episode_id not in (None, episode.pk)
    if issued_elsewhere or unit.status not in (UnitStatus.ISSUED, UnitStatus.THAWED):
        if MismatchKind.NOT_ISSUED not in result.kinds:
            mismatches.append(Mismatch(MismatchKind.NOT_ISSUED,
                                       f"unit {unit.identifier} is not issued for the {episode}"))
    return mismatches


def _product_code_mismatches(unit: ProductUnit, scan: Scan,
                             result: BedsideResult) -> list[Mismatch]:
    """The parts of a divided unit share its DIN and differ by their Product Code (ICCBBA
    ST-001 v6.2.2 2.4.3, 7.3.1): a scanned code must be the unit's, and a DIN shared by
    several parts is not enough to say which bag is in the hand."""
    if MismatchKind.WRONG_UNIT in result.kinds or result.kinds & _UNREAD:
        return []
    if scan.product_code is not None:
        if scan.product_code.code == unit.product_code:
            return []
        return [Mismatch(MismatchKind.WRONG_UNIT,
                         f"scanned Product Code {scan.product_code} is not that of the unit "
                         f"issued for this episode ({unit.product_code}): it is another part "
                         "of the divided unit; find the right bag and scan its label")]
    parts = ProductUnit.objects.filter(site=unit.site_id, identifier=unit.identifier).count()
    if parts > 1:
        return [Mismatch(MismatchKind.UNREADABLE_IDENTIFIER,
                         f"{parts} parts of a divided unit carry {unit.identifier}: scan the "
                         "Product Code of the bag as well, to say which part it is")]
    return []


_UNREAD = frozenset({MismatchKind.UNREADABLE_IDENTIFIER, MismatchKind.WRONG_CHECK_CHARACTER})


def _unit_with_its_lot_locked(episode: JointEpisode, scanned: str) -> ProductUnit | None:
    """Return the unit to check, read again once its lot is locked.

    qc_record decides a lot's investigation and holds under the lot's lock; queuing on it
    here means a unit is never given while that is being decided unseen, and an
    investigation never opens without an administration about to commit
    (docs/cell-products.md#conditional-release-pending-sterility, #lineage-and-look-back).
    """
    locked: set[int] = set()
    unit = _unit_to_check(episode, scanned)
    while unit is not None and (lot_id := lot_id_of(unit)) not in locked:
        ProductUnit.objects.select_for_update().filter(pk=lot_id).exists()
        locked.add(lot_id)
        # What was read before the wait may have changed: read it again under the lock.
        unit = _unit_to_check(episode, scanned)
    return unit


def _unit_to_check(episode: JointEpisode, scanned: str) -> ProductUnit | None:
    """Return the unit the bedside check is about.

    Several units may be issued to one joint episode (a divided dose, a second bag): the
    scanned one is checked when it is one of them. Otherwise a unit issued to the episode
    is, so the check says the scan is the wrong unit; with none issued, the scanned unit is,
    so the check says why it is not issued (a recall after a donor was re-opened, a hold).
    """
    issued = _issued_units(episode)
    scanned_here = _scanned_units(scanned, episode.patient.site_id)
    return next((u for u in scanned_here if u.pk in {i.pk for i in issued}), None) \
        or next(iter(issued), None) or next(iter(scanned_here), None)


def _issued_units(episode: JointEpisode) -> list[ProductUnit]:
    return list(ProductUnit.objects.select_related("harvest", "donor",
                                                   "issued_to_episode__patient", "site")
                .filter(issued_to_episode=episode,
                        status__in=[UnitStatus.ISSUED, UnitStatus.THAWED]).order_by("id"))


def _scanned_units(scanned: str, site_id: int) -> list[ProductUnit]:
    """Return the units the scan names: by DIN, and by Product Code where one was scanned."""
    try:
        scan = split_scan(scanned)
        text, _ = canonical_identifier(parse_unit_identifier(scan.identifier_text))
    except (IdentifierError, ProductCodeError):
        return []
    units = ProductUnit.objects.select_related("harvest", "donor", "issued_to_episode__patient",
                                               "site").filter(identifier=text, site_id=site_id)
    if scan.product_code is not None:
        units = units.filter(product_code=scan.product_code.code)
    return list(units.order_by("id"))


def _wristband_order(name: str) -> str:
    # Wristbands print "FAMILY, Given"; the register holds "Given Family".
    if "," in name:
        family, given = name.split(",", 1)
        return f"{given.strip()} {family.strip()}"
    return name.strip()
