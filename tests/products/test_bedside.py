import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.products.bedside import (
    IssuedUnit,
    MismatchKind,
    PatientIdentity,
    PresentedPatient,
    verify_bedside,
)
from orthoregen.products.donor import DonorEligibility
from orthoregen.products.episode import IssueTarget, Joint, Side
from orthoregen.products.isbt128 import (
    CHECK_ALPHABET,
    DonationIdentificationNumber,
    LocalId,
    check_character,
)
from orthoregen.products.status import UnitState, UnitStatus

K = MismatchKind
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# ICCBBA ST-001 v6.2.2 Fig. 21 tissue label: DIN A9999 17 123456, K 9.
DIN = DonationIdentificationNumber.from_din("A999917123456")
OTHER_DIN_TYPED = "A999917123654Y"  # ST-001 Fig. 21 tissue label 4, K Y
PATIENT = PatientIdentity("Anna Müller", date(1958, 4, 12), "MRN-004711")
TARGET = IssueTarget("P1", "E1", Joint.KNEE, Side.LEFT)
# An issued unit carries the approver its release recorded (21 CFR 1271.265(c)).
STATE = UnitState(
    unit_id="u1",
    status=UnitStatus.ISSUED,
    expires_at=NOW + timedelta(hours=6),
    issued_to=TARGET,
    release_approver="Dr QP",
)
ISSUED = IssuedUnit(DIN, STATE, PATIENT)
BOTH = PresentedPatient(name="Anna Müller", date_of_birth=date(1958, 4, 12))


def check(
    issued=ISSUED,
    scanned="=A99991712345600",
    presented=BOTH,
    joint=Joint.KNEE,
    side=Side.LEFT,
    now=NOW,
):
    return verify_bedside(issued, scanned, presented, joint=joint, side=side, now=now)


@pytest.mark.parametrize(
    "presented",
    [
        BOTH,
        PresentedPatient(name="  anna   MÜLLER ", mrn="mrn-004711"),
        PresentedPatient(date_of_birth=date(1958, 4, 12), mrn="MRN-004711"),
        PresentedPatient("Anna Müller", date(1958, 4, 12), "MRN-004711"),
    ],
)
def test_matching_scan_two_identifiers_joint_and_side_pass(presented):
    result = check(presented=presented)
    assert result.passed, result.mismatches


@pytest.mark.parametrize("scanned", ["A999917123456 9", "a9999 17 123456 9", "]C0=A99991712345600"])
def test_typed_and_scanned_forms_of_the_issued_unit_pass(scanned):
    assert check(scanned=scanned).passed


@pytest.mark.parametrize(
    ("kwargs", "kind", "message"),
    [
        ({"scanned": OTHER_DIN_TYPED}, K.WRONG_UNIT, "A9999 17 123654 Y is not the unit issued"),
        (
            {"scanned": "A9999171234568"},
            K.WRONG_CHECK_CHARACTER,
            # Says it is wrong, never which K is right (ST-001 7.4.1: K is read from the label).
            "the check character does not match A999917123456",
        ),
        ({"scanned": "=A99991712345671"}, K.WRONG_CHECK_CHARACTER, "flag check"),
        ({"scanned": "A99991712345"}, K.UNREADABLE_IDENTIFIER, "characters"),
        ({"scanned": "LOC-A1-" + LocalId("A1").check_character}, K.WRONG_UNIT, "LOC-A1"),
        (
            {"presented": PresentedPatient(name="Anna Miller", date_of_birth=date(1958, 4, 12))},
            K.WRONG_PATIENT_NAME,
            "name Anna Miller does not match",
        ),
        (
            {"presented": PresentedPatient(name="Anna Müller", date_of_birth=date(1958, 12, 4))},
            K.WRONG_DATE_OF_BIRTH,
            "date of birth 1958-12-04",
        ),
        (
            {"presented": PresentedPatient(name="Anna Müller", mrn="MRN-004712")},
            K.WRONG_MRN,
            "MRN MRN-004712",
        ),
        (
            {"presented": PresentedPatient(name="Anna Müller")},
            K.TOO_FEW_PATIENT_IDENTIFIERS,
            "1 patient identifier",
        ),
        ({"joint": Joint.HIP}, K.WRONG_JOINT, "issued for the knee, not the hip"),
        ({"side": Side.RIGHT}, K.WRONG_SIDE, "issued for the left side, not the right"),
        ({"now": NOW + timedelta(hours=6)}, K.EXPIRED, "expired at"),
        (
            {
                "issued": replace(
                    ISSUED, state=replace(STATE, status=UnitStatus.RELEASED, issued_to=None)
                )
            },
            K.NOT_ISSUED,
            "unit is released, not issued",
        ),
        (
            {
                "issued": replace(
                    ISSUED,
                    state=replace(STATE, is_cryopreserved=True, max_post_thaw_hold_minutes=60),
                )
            },
            K.NOT_THAWED,
            "not yet thawed",
        ),
        (
            {
                "issued": replace(
                    ISSUED,
                    state=replace(
                        STATE,
                        status=UnitStatus.THAWED,
                        is_cryopreserved=True,
                        max_post_thaw_hold_minutes=60,
                        thawed_at=NOW - timedelta(minutes=61),
                    ),
                )
            },
            K.HOLD_TIME_EXCEEDED,
            "hold time of 60 min",
        ),
        (
            {"issued": replace(ISSUED, autologous_source_patient_id="P2")},
            K.CHAIN_OF_IDENTITY,
            "harvested from patient P2",
        ),
    ],
)
def test_each_kind_of_mismatch_is_refused_and_says_what_did_not_match(kwargs, kind, message):
    result = check(**kwargs)
    assert not result.passed
    assert result.kinds == {kind}
    assert message in result.mismatches[0].message


def test_a_patient_with_no_identifiers_confirmed_fails_even_if_nothing_contradicts():
    assert check(presented=PresentedPatient()).kinds == {K.TOO_FEW_PATIENT_IDENTIFIERS}


def test_every_mismatch_is_reported_at_once():
    result = check(
        scanned=OTHER_DIN_TYPED,
        presented=PresentedPatient(name="Bob", date_of_birth=date(1970, 1, 1)),
        joint=Joint.SHOULDER,
        side=Side.RIGHT,
        now=NOW + timedelta(days=1),
    )
    assert result.kinds == {
        K.WRONG_UNIT,
        K.WRONG_PATIENT_NAME,
        K.WRONG_DATE_OF_BIRTH,
        K.WRONG_JOINT,
        K.WRONG_SIDE,
        K.EXPIRED,
    }


def test_thawed_unit_within_its_hold_time_passes():
    thawed = replace(
        STATE,
        status=UnitStatus.THAWED,
        is_cryopreserved=True,
        max_post_thaw_hold_minutes=60,
        thawed_at=NOW - timedelta(minutes=60),
    )
    assert check(issued=replace(ISSUED, state=thawed)).passed


def test_autologous_unit_from_the_same_patient_passes():
    assert check(issued=replace(ISSUED, autologous_source_patient_id="P1")).passed


def test_a_unit_on_hold_is_refused_saying_why():
    held = replace(ISSUED, state=replace(STATE, hold_reason="Mycoplasma positive on unit LOC-A1"))
    result = check(issued=held)
    assert [(m.kind, m.message) for m in result.mismatches] == [
        (K.ON_HOLD, "unit is on hold and may not be given: Mycoplasma positive on unit LOC-A1")
    ]


def test_a_wrong_unit_message_names_the_issued_unit_without_its_check_character():
    # Showing the issued unit's K would let the operator type it without finding the bag.
    message = check(scanned=OTHER_DIN_TYPED).mismatches[0].message
    assert "(A9999 17 123456)" in message
    assert DIN.eye_readable not in message


@given(
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.sampled_from(CHECK_ALPHABET),
    st.sampled_from(["{din}{k}", "{fin} {year} {sequence} {k}"]),
)
@example("123456", "8", "{din}{k}")  # ST-001 Fig. 21: K is 9
def test_no_bedside_message_reveals_the_issued_units_check_character(sequence, typed_k, form):
    issued = DonationIdentificationNumber("A9999", "17", sequence)
    expected_k = check_character(issued.din)
    typed = form.format(din=issued.din, fin="A9999", year="17", sequence=sequence, k=typed_k)
    result = check(issued=replace(ISSUED, identifier=issued), scanned=typed)
    if typed_k == expected_k:
        assert result.passed
        return
    assert result.kinds == {K.WRONG_CHECK_CHARACTER}
    for mismatch in result.mismatches:
        tokens = set(re.findall(r"[A-Z0-9*]+", mismatch.message.upper()))
        assert "expected" not in mismatch.message.lower()
        assert expected_k not in tokens, mismatch.message


def test_a_unit_whose_donor_was_re_opened_after_issue_is_refused_at_the_bedside():
    # "HIV-1 NAT reactive confirmed" after issue re-opens the donor
    # (docs/cell-products.md#eligibility-states); 21 CFR 1271.60 keeps the unit from the patient.
    reopened = replace(STATE, donor_eligibility=DonorEligibility.PENDING_TESTS)
    result = check(issued=replace(ISSUED, state=reopened))
    assert result.kinds == {K.DONOR_NOT_ELIGIBLE}
    assert "donor is pending_tests" in result.mismatches[0].message


def test_an_issued_unit_with_no_documented_release_is_refused_at_the_bedside():
    unreleased = replace(STATE, release_approver=None)
    assert check(issued=replace(ISSUED, state=unreleased)).kinds == {K.NOT_RELEASED}


def test_every_safety_reason_is_listed_at_the_bedside():
    unsafe = replace(
        STATE, hold_reason="lot investigation", donor_eligibility=DonorEligibility.INELIGIBLE
    )
    result = check(issued=replace(ISSUED, state=unsafe), now=STATE.expires_at)
    assert result.kinds == {K.ON_HOLD, K.DONOR_NOT_ELIGIBLE, K.EXPIRED}
