"""Bedside identity check before an administration is recorded.

Sources: two patient identifiers (Joint Commission NPSG.01.01.01), joint and side (Universal
Protocol UP.01.02.01), the safety question every step towards a patient asks
(`status.safety_problems`: a hold such as an open product investigation of its lot, a donor
not eligible under 21 CFR 1271.60, no documented release, expiry at that moment), the
validated post-thaw hold, and for autologous units the chain of identity (donor is the
patient).
Every mismatch is returned, not only the first, so the operator sees all that is wrong at once.
No message shows the check character of the issued unit: the operator must read it from the
bag's label (ICCBBA ST-001 7.4.1), not from the screen.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from orthoregen.products.episode import Joint, Side
from orthoregen.products.isbt128 import (
    IdentifierError,
    IdentifierProblem,
    UnitIdentifier,
    parse_unit_identifier,
)
from orthoregen.products.status import (
    UnitState,
    UnitStatus,
    Unsafe,
    hold_time_exceeded_by,
    safety_problems,
)

REQUIRED_PATIENT_IDENTIFIERS = 2


class MismatchKind(StrEnum):
    UNREADABLE_IDENTIFIER = "unreadable_identifier"
    WRONG_CHECK_CHARACTER = "wrong_check_character"
    WRONG_UNIT = "wrong_unit"
    TOO_FEW_PATIENT_IDENTIFIERS = "too_few_patient_identifiers"
    WRONG_PATIENT_NAME = "wrong_patient_name"
    WRONG_DATE_OF_BIRTH = "wrong_date_of_birth"
    WRONG_MRN = "wrong_mrn"
    WRONG_JOINT = "wrong_joint"
    WRONG_SIDE = "wrong_side"
    NOT_ISSUED = "not_issued"
    EXPIRED = "expired"
    NOT_THAWED = "not_thawed"
    HOLD_TIME_EXCEEDED = "hold_time_exceeded"
    CHAIN_OF_IDENTITY = "chain_of_identity"
    ON_HOLD = "on_hold"
    DONOR_NOT_ELIGIBLE = "donor_not_eligible"
    NOT_RELEASED = "not_released"


@dataclass(frozen=True)
class PatientIdentity:
    """The identifiers of the patient as registered."""

    name: str
    date_of_birth: date
    mrn: str


@dataclass(frozen=True)
class PresentedPatient:
    """What the operator confirmed at the bedside; leave out what was not checked."""

    name: str | None = None
    date_of_birth: date | None = None
    mrn: str | None = None


@dataclass(frozen=True)
class IssuedUnit:
    """The unit issued for this joint episode, and the patient it was issued to."""

    identifier: UnitIdentifier
    state: UnitState
    patient: PatientIdentity
    # For autologous units: the patient the cells were harvested from (chain of identity).
    autologous_source_patient_id: str | None = None


@dataclass(frozen=True)
class Mismatch:
    kind: MismatchKind
    message: str


@dataclass(frozen=True)
class BedsideResult:
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def kinds(self) -> frozenset[MismatchKind]:
        return frozenset(m.kind for m in self.mismatches)


def verify_bedside(
    issued: IssuedUnit,
    scanned_identifier: str,
    presented: PresentedPatient,
    *,
    joint: Joint,
    side: Side,
    now: datetime,
) -> BedsideResult:
    """Check scan, two patient identifiers, joint, side, status, expiry and hold."""
    mismatches = [
        *_identifier_mismatches(issued, scanned_identifier),
        *_patient_mismatches(issued.patient, presented),
        *_site_mismatches(issued, joint, side),
        *_readiness_mismatches(issued.state, now),
    ]
    return BedsideResult(tuple(mismatches))


def _identifier_mismatches(issued: IssuedUnit, scanned: str) -> list[Mismatch]:
    try:
        identifier = parse_unit_identifier(scanned)
    except IdentifierError as error:
        wrong_check = {IdentifierProblem.WRONG_CHECK_CHARACTER, IdentifierProblem.WRONG_FLAG_CHECK}
        kind = (
            MismatchKind.WRONG_CHECK_CHARACTER
            if error.problem in wrong_check
            else MismatchKind.UNREADABLE_IDENTIFIER
        )
        return [Mismatch(kind, f"unit identifier not accepted: {error}")]
    if identifier != issued.identifier:
        return [
            Mismatch(
                MismatchKind.WRONG_UNIT,
                f"scanned unit {identifier.eye_readable} is not the unit issued for this "
                f"episode ({issued.identifier.eye_readable_without_k}): find that unit's bag "
                "and scan its label",
            )
        ]
    return []


def _patient_mismatches(patient: PatientIdentity, presented: PresentedPatient) -> list[Mismatch]:
    # (confirmed at the bedside, matches the issued patient?, kind, label) per identifier.
    checks = [
        (
            presented.name,
            presented.name is not None and _same_name(presented.name, patient.name),
            MismatchKind.WRONG_PATIENT_NAME,
            "name",
        ),
        (
            presented.date_of_birth,
            presented.date_of_birth == patient.date_of_birth,
            MismatchKind.WRONG_DATE_OF_BIRTH,
            "date of birth",
        ),
        (
            presented.mrn,
            presented.mrn is not None and _same_code(presented.mrn, patient.mrn),
            MismatchKind.WRONG_MRN,
            "MRN",
        ),
    ]
    confirmed = [check for check in checks if check[0]]
    mismatches = [
        Mismatch(kind, f"{label} {value} does not match the patient the unit was issued to")
        for value, matches, kind, label in confirmed
        if not matches
    ]
    if len(confirmed) < REQUIRED_PATIENT_IDENTIFIERS:
        mismatches.append(
            Mismatch(
                MismatchKind.TOO_FEW_PATIENT_IDENTIFIERS,
                f"{len(confirmed)} patient identifier(s) confirmed; two are required "
                "(name and date of birth, or either with the MRN)",
            )
        )
    return mismatches


def _site_mismatches(issued: IssuedUnit, joint: Joint, side: Side) -> list[Mismatch]:
    target = issued.state.issued_to
    if target is None:
        return []
    mismatches = []
    if joint != target.joint:
        mismatches.append(
            Mismatch(
                MismatchKind.WRONG_JOINT, f"unit was issued for the {target.joint}, not the {joint}"
            )
        )
    if side != target.side:
        mismatches.append(
            Mismatch(
                MismatchKind.WRONG_SIDE,
                f"unit was issued for the {target.side} side, not the {side}",
            )
        )
    source = issued.autologous_source_patient_id
    if source is not None and source != target.patient_id:
        mismatches.append(
            Mismatch(
                MismatchKind.CHAIN_OF_IDENTITY,
                f"autologous unit was harvested from patient {source}, "
                f"but issued to patient {target.patient_id}",
            )
        )
    return mismatches


def _readiness_mismatches(state: UnitState, now: datetime) -> list[Mismatch]:
    mismatches = []
    if state.status not in {UnitStatus.ISSUED, UnitStatus.THAWED} or state.issued_to is None:
        mismatches.append(
            Mismatch(MismatchKind.NOT_ISSUED, f"unit is {state.status}, not issued to this episode")
        )
    # The same question release, issue, thaw and administration ask (status.safety_problems):
    # a donor re-opened or a lot held after issue stops the unit here too.
    mismatches += [_safety_mismatch(state, problem.kind) for problem in safety_problems(state, now)]
    if state.is_cryopreserved and state.status is UnitStatus.ISSUED:
        mismatches.append(Mismatch(MismatchKind.NOT_THAWED, "cryopreserved unit is not yet thawed"))
    over = hold_time_exceeded_by(state, now)
    if over is not None:
        mismatches.append(
            Mismatch(
                MismatchKind.HOLD_TIME_EXCEEDED,
                f"thawed unit is past its validated hold time of "
                f"{state.max_post_thaw_hold_minutes} min",
            )
        )
    return mismatches


def _safety_mismatch(state: UnitState, kind: Unsafe) -> Mismatch:
    match kind:
        case Unsafe.ON_HOLD:
            said = f"unit is on hold and may not be given: {state.hold_reason}"
            return Mismatch(MismatchKind.ON_HOLD, said)
        case Unsafe.DONOR_NOT_ELIGIBLE:
            said = (
                f"unit's donor is {state.donor_eligibility}, not eligible: it may not be given "
                "(21 CFR 1271.60)"
            )
            return Mismatch(MismatchKind.DONOR_NOT_ELIGIBLE, said)
        case Unsafe.NOT_RELEASED:
            said = f"unit has no documented release (it is {state.status})"
            return Mismatch(MismatchKind.NOT_RELEASED, said)
        case Unsafe.EXPIRED:
            return Mismatch(MismatchKind.EXPIRED, f"unit expired at {state.expires_at.isoformat()}")


def _same_name(a: str, b: str) -> bool:
    # Case and spacing differ between wristbands and typing; letters and accents must not.
    return _fold(a) == _fold(b)


def _same_code(a: str, b: str) -> bool:
    return "".join(a.split()).upper() == "".join(b.split()).upper()


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
