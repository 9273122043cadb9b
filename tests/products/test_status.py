from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from orthoregen.products.custody import (
    Administer,
    BeginProcessing,
    ConditionalRelease,
    Discard,
    Expire,
    Issue,
    PlaceInQuarantine,
    Recall,
    RecordSterility,
    Reject,
    Release,
    Return,
    Sterility,
    Thaw,
)
from orthoregen.products.donor import DonorEligibility
from orthoregen.products.episode import IssueTarget, Joint, Side
from orthoregen.products.release import ReleaseOutcome
from orthoregen.products.status import (
    TransitionRefused,
    UnitState,
    UnitStatus,
    Unsafe,
    effective_status,
    hold_time_exceeded_by,
    is_expired,
    safety_problems,
    transition,
)

S = UnitStatus
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXPIRY = NOW + timedelta(days=2)
KNEE_LEFT = IssueTarget("P1", "E1", Joint.KNEE, Side.LEFT)

EVENTS = {
    "begin": BeginProcessing(actor="lab"),
    "quarantine": PlaceInQuarantine(actor="lab", reason="temperature excursion"),
    "release": Release(actor="qp", approver="Dr QP", evaluation=ReleaseOutcome.FULL),
    "conditional": ConditionalRelease(
        actor="qp",
        approver="Dr QP",
        reason="fresh BMAC",
        evaluation=ReleaseOutcome.CONDITIONAL_PENDING_STERILITY,
    ),
    "reject": Reject(actor="qp", reason="viability 60 %"),
    "issue": Issue(actor="lab", target=KNEE_LEFT),
    "thaw": Thaw(actor="nurse"),
    "administer": Administer(actor="dr", target=KNEE_LEFT),
    "return": Return(actor="nurse", reason="procedure cancelled"),
    "discard": Discard(actor="lab", reason="bag damaged"),
    "recall": Recall(actor="qp", reason="donor seroconversion"),
    "expire": Expire(actor="system"),
}

# Allowed origins written from docs/cell-products.md#product-status (and
# docs/cell-products.md#conditional-release-pending-sterility), not from the code: collected ->
# in process -> quarantine -> released | conditionally released | rejected; released -> issued
# -> (thawed) -> administered | returned | discarded; recall and expiry end a unit that is not
# yet in a patient; rejected, recalled and expired units are finally discarded.
NOT_IN_PATIENT = {
    S.COLLECTED,
    S.IN_PROCESS,
    S.QUARANTINE,
    S.RELEASED,
    S.CONDITIONALLY_RELEASED,
    S.ISSUED,
    S.THAWED,
    S.RETURNED,
}
SPEC_ALLOWED = {
    "begin": {S.COLLECTED},
    "quarantine": {S.COLLECTED, S.IN_PROCESS, S.RELEASED, S.CONDITIONALLY_RELEASED, S.RETURNED},
    "release": {S.QUARANTINE},
    "conditional": {S.QUARANTINE},
    "reject": {S.QUARANTINE},
    "issue": {S.RELEASED, S.CONDITIONALLY_RELEASED},
    "thaw": {S.ISSUED},
    "administer": {S.ISSUED, S.THAWED},
    "return": {S.ISSUED},
    "discard": NOT_IN_PATIENT | {S.REJECTED, S.RECALLED, S.EXPIRED},
    "recall": NOT_IN_PATIENT,
    "expire": NOT_IN_PATIENT,
}

ILLEGAL = [
    (name, status)
    for name, allowed in SPEC_ALLOWED.items()
    for status in S
    if status not in allowed
]


def unit(status=S.QUARANTINE, **changes):
    issued = KNEE_LEFT if status in {S.ISSUED, S.THAWED, S.ADMINISTERED} else None
    # A unit past release carries its approver, as every release records one (21 CFR
    # 1271.265(c): a responsible person documents the release).
    released = status in {S.RELEASED, S.CONDITIONALLY_RELEASED, S.ISSUED, S.THAWED}
    base = UnitState(
        unit_id="A999917123456",
        status=status,
        expires_at=EXPIRY,
        issued_to=issued,
        sterility=Sterility.NEGATIVE,
        release_approver="Dr QP" if released else None,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(("event_name", "status"), ILLEGAL)
def test_every_illegal_transition_is_refused_naming_the_status(event_name, status):
    with pytest.raises(TransitionRefused, match=f"it is {status}"):
        transition(unit(status), EVENTS[event_name], at=NOW)


def test_full_release_path_ends_administered():
    state = unit(S.COLLECTED)
    for name in ["begin", "quarantine", "release", "issue", "administer"]:
        state = transition(state, EVENTS[name], at=NOW)
    assert state.status is S.ADMINISTERED
    assert state.release_approver == "Dr QP"
    assert state.issued_to == KNEE_LEFT


def test_conditional_release_becomes_full_release_on_negative_sterility():
    state = transition(unit(sterility=Sterility.PENDING), EVENTS["conditional"], at=NOW)
    assert state.status is S.CONDITIONALLY_RELEASED
    state = transition(state, RecordSterility(actor="lab", result=Sterility.NEGATIVE), at=NOW)
    assert state.status is S.RELEASED


def test_conditionally_released_unit_can_be_issued_with_sterility_still_pending():
    state = transition(unit(sterility=Sterility.PENDING), EVENTS["conditional"], at=NOW)
    state = transition(state, EVENTS["issue"], at=NOW)
    assert (state.status, state.sterility) == (S.ISSUED, Sterility.PENDING)


@pytest.mark.parametrize(
    ("status", "after"),
    [
        (S.QUARANTINE, S.REJECTED),
        (S.CONDITIONALLY_RELEASED, S.RECALLED),
        (S.ISSUED, S.RECALLED),
        (S.THAWED, S.RECALLED),
        # Already in the patient: status kept, the service opens an investigation.
        (S.ADMINISTERED, S.ADMINISTERED),
    ],
)
def test_positive_sterility_stops_units_not_yet_administered(status, after):
    state = unit(status, sterility=Sterility.PENDING)
    state = transition(state, RecordSterility(actor="lab", result=Sterility.POSITIVE), at=NOW)
    assert (state.status, state.sterility) == (after, Sterility.POSITIVE)


@pytest.mark.parametrize(
    ("status", "after"),
    [
        (S.RELEASED, S.RECALLED),
        (S.ISSUED, S.RECALLED),
        (S.QUARANTINE, S.REJECTED),
        # Already in the patient: status kept, the service opens an investigation.
        (S.ADMINISTERED, S.ADMINISTERED),
    ],
)
def test_a_positive_re_culture_after_a_negative_stops_the_unit(status, after):
    state = unit(status, sterility=Sterility.NEGATIVE)
    state = transition(state, RecordSterility(actor="lab", result=Sterility.POSITIVE), at=NOW)
    assert (state.status, state.sterility) == (after, Sterility.POSITIVE)


@pytest.mark.parametrize("status", [S.REJECTED, S.RECALLED, S.ADMINISTERED])
def test_a_negative_after_a_positive_is_the_sterility_now_but_stops_nothing_less(status):
    state = unit(status, sterility=Sterility.POSITIVE)
    state = transition(state, RecordSterility(actor="lab", result=Sterility.NEGATIVE), at=NOW)
    assert (state.status, state.sterility) == (status, Sterility.NEGATIVE)


def test_a_repeat_negative_leaves_a_released_unit_released():
    state = transition(unit(S.RELEASED), RecordSterility(actor="lab", result="negative"), at=NOW)
    assert (state.status, state.sterility) == (S.RELEASED, Sterility.NEGATIVE)


def test_a_sterility_result_is_final_not_pending():
    with pytest.raises(TransitionRefused, match="negative or positive, not pending"):
        transition(unit(), RecordSterility(actor="lab", result=Sterility.PENDING), at=NOW)


def test_full_release_refused_while_sterility_pending():
    with pytest.raises(TransitionRefused, match="conditionally pending sterility"):
        transition(unit(sterility=Sterility.PENDING), EVENTS["release"], at=NOW)


def test_conditional_release_refused_once_sterility_known():
    with pytest.raises(TransitionRefused, match="already negative"):
        transition(unit(), EVENTS["conditional"], at=NOW)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"approver": " "}, "named approver"),
        ({"reason": ""}, "reason"),
        ({"evaluation": ReleaseOutcome.NOT_RELEASABLE}, "evaluation is not_releasable"),
        ({"evaluation": ReleaseOutcome.FULL}, "evaluation is full"),
    ],
)
def test_conditional_release_needs_approver_reason_and_a_conditional_evaluation(changes, message):
    event = replace(EVENTS["conditional"], **changes)
    with pytest.raises(TransitionRefused, match=message):
        transition(unit(sterility=Sterility.PENDING), event, at=NOW)


@pytest.mark.parametrize(
    "eligibility",
    [e for e in DonorEligibility if e is not DonorEligibility.ELIGIBLE],
)
def test_allogeneic_unit_stays_in_quarantine_until_donor_eligible(eligibility):
    with pytest.raises(TransitionRefused, match=f"donor is {eligibility}"):
        transition(unit(donor_eligibility=eligibility), EVENTS["release"], at=NOW)


def test_eligible_donor_unit_can_be_released():
    state = transition(unit(donor_eligibility=DonorEligibility.ELIGIBLE), EVENTS["release"], at=NOW)
    assert state.status is S.RELEASED


@pytest.mark.parametrize("name", ["release", "issue"])
def test_expired_unit_cannot_be_released_or_issued(name):
    status = S.QUARANTINE if name == "release" else S.RELEASED
    with pytest.raises(TransitionRefused, match="expired at"):
        transition(unit(status), EVENTS[name], at=EXPIRY)


@pytest.mark.parametrize(
    ("target", "what"),
    [
        (IssueTarget("P2", "E1", Joint.KNEE, Side.LEFT), "patient P2"),
        (IssueTarget("P1", "E9", Joint.KNEE, Side.LEFT), "episode E9"),
        (IssueTarget("P1", "E1", Joint.HIP, Side.LEFT), "left hip"),
        (IssueTarget("P1", "E1", Joint.KNEE, Side.RIGHT), "right knee"),
    ],
)
def test_unit_issued_to_one_patient_cannot_be_administered_to_another(target, what):
    with pytest.raises(TransitionRefused, match=f"issued to patient P1.*not to .*{what}"):
        transition(unit(S.ISSUED), Administer(actor="dr", target=target), at=NOW)


def test_expired_issued_unit_cannot_be_administered():
    with pytest.raises(TransitionRefused, match="cannot administer .* expired"):
        transition(unit(S.ISSUED), EVENTS["administer"], at=EXPIRY + timedelta(minutes=1))


def frozen_unit(hold_minutes=60):
    return unit(S.ISSUED, is_cryopreserved=True, max_post_thaw_hold_minutes=hold_minutes)


def test_cryopreserved_unit_must_be_thawed_before_administration():
    with pytest.raises(TransitionRefused, match="not yet thawed"):
        transition(frozen_unit(), EVENTS["administer"], at=NOW)


def test_thawed_unit_can_be_administered_at_the_end_of_its_hold_time():
    thawed = transition(frozen_unit(), EVENTS["thaw"], at=NOW)
    done = transition(thawed, EVENTS["administer"], at=NOW + timedelta(minutes=60))
    assert done.status is S.ADMINISTERED


def test_thawed_unit_cannot_be_administered_past_its_hold_time():
    thawed = transition(frozen_unit(), EVENTS["thaw"], at=NOW)
    late = NOW + timedelta(minutes=61)
    assert hold_time_exceeded_by(thawed, late) == timedelta(minutes=1)
    with pytest.raises(TransitionRefused, match="hold time of 60 min by 1 min"):
        transition(thawed, EVENTS["administer"], at=late)


def test_unit_without_validated_hold_time_cannot_be_thawed():
    # docs/cell-products.md#post-thaw-hold: no validated value is a hard stop, never a silent
    # default.
    with pytest.raises(TransitionRefused, match="no validated post-thaw hold time"):
        transition(frozen_unit(hold_minutes=None), EVENTS["thaw"], at=NOW)


def test_fresh_unit_cannot_be_thawed():
    with pytest.raises(TransitionRefused, match="not cryopreserved"):
        transition(unit(S.ISSUED), EVENTS["thaw"], at=NOW)


def test_return_clears_the_issue_target():
    state = transition(unit(S.ISSUED), EVENTS["return"], at=NOW)
    assert (state.status, state.issued_to) == (S.RETURNED, None)


def test_expire_is_refused_before_the_expiry_time():
    with pytest.raises(TransitionRefused, match="does not expire until"):
        transition(unit(S.RELEASED), EVENTS["expire"], at=EXPIRY - timedelta(seconds=1))
    assert transition(unit(S.RELEASED), EVENTS["expire"], at=EXPIRY).status is S.EXPIRED


@pytest.mark.parametrize(
    "event",
    [
        Discard(actor="lab", reason=" "),
        Recall(actor="qp", reason=""),
        Reject(actor="qp", reason=""),
        PlaceInQuarantine(actor="lab", reason=""),
    ],
)
def test_discard_recall_reject_and_quarantine_need_a_reason(event):
    status = S.QUARANTINE if isinstance(event, Reject) else S.RELEASED
    with pytest.raises(TransitionRefused, match="reason"):
        transition(unit(status), event, at=NOW)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        transition(unit(), EVENTS["release"], at=datetime(2026, 3, 2, 9, 0))


def test_expiry_is_reached_at_the_printed_minute():
    assert not is_expired(unit(), EXPIRY - timedelta(microseconds=1))
    assert is_expired(unit(), EXPIRY)


def test_states_read_from_the_database_as_text_behave_like_enum_members():
    # The web layer passes stored text; the identity guards must still hold.
    state = UnitState(
        unit_id="u1",
        status="conditionally_released",
        expires_at=EXPIRY,
        sterility="pending",
        issued_to=IssueTarget("P1", "E1", "knee", "left"),
    )
    state = transition(state, RecordSterility(actor="lab", result="negative"), at=NOW)
    assert state.status is S.RELEASED
    assert state.issued_to.joint is Joint.KNEE


@pytest.mark.parametrize(
    "build",
    [
        lambda: UnitState(unit_id="u", status="isued", expires_at=EXPIRY),
        lambda: UnitState(unit_id="u", status="issued", expires_at=EXPIRY, sterility="clean"),
        lambda: IssueTarget("P1", "E1", "elbow", "left"),
        lambda: IssueTarget("P1", "E1", "knee", "both"),
    ],
)
def test_unknown_text_values_are_refused_when_the_state_is_built(build):
    with pytest.raises(ValueError, match="is not a valid"):
        build()


@pytest.mark.parametrize(
    "evaluation", [ReleaseOutcome.NOT_RELEASABLE, ReleaseOutcome.CONDITIONAL_PENDING_STERILITY]
)
def test_full_release_needs_a_full_qc_evaluation(evaluation):
    event = replace(EVENTS["release"], evaluation=evaluation)
    with pytest.raises(TransitionRefused, match=f"specification is {evaluation}, not full"):
        transition(unit(), event, at=NOW)


def test_released_unit_of_a_reopened_donor_cannot_be_issued():
    state = unit(S.RELEASED, donor_eligibility=DonorEligibility.PENDING_TESTS)
    with pytest.raises(TransitionRefused, match="cannot issue .* donor is pending_tests"):
        transition(state, EVENTS["issue"], at=NOW)


def test_a_custody_event_without_an_actor_is_refused():
    with pytest.raises(TransitionRefused, match="person who did it"):
        transition(unit(S.RELEASED), Issue(actor=" ", target=KNEE_LEFT), at=NOW)


def test_a_naive_expiry_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        UnitState(unit_id="u", status=S.QUARANTINE, expires_at=datetime(2026, 3, 4, 23, 59))


HELD = "product investigation 7 of lot A999917123456 is open"


@pytest.mark.parametrize(
    ("name", "status", "changes"),
    [
        ("release", S.QUARANTINE, {}),
        ("conditional", S.QUARANTINE, {"sterility": Sterility.PENDING}),
        ("issue", S.RELEASED, {}),
        ("thaw", S.ISSUED, {"is_cryopreserved": True, "max_post_thaw_hold_minutes": 60}),
        ("administer", S.ISSUED, {}),
    ],
)
def test_a_unit_on_hold_goes_no_step_towards_a_patient(name, status, changes):
    # ON_HOLD_INVESTIGATION is a flag beside the status, not a status
    # (docs/cell-products.md#product-status).
    held = unit(status, hold_reason=HELD, **changes)
    with pytest.raises(TransitionRefused, match=f"it is on hold: {HELD}"):
        transition(held, EVENTS[name], at=NOW)
    assert transition(replace(held, hold_reason=""), EVENTS[name], at=NOW).status is not status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("recall", S.ISSUED),
        ("discard", S.QUARANTINE),
        ("return", S.ISSUED),
        ("quarantine", S.RELEASED),
        ("reject", S.QUARANTINE),
    ],
)
def test_a_unit_on_hold_can_still_be_stopped_or_brought_back(name, status):
    assert transition(unit(status, hold_reason=HELD), EVENTS[name], at=NOW).status is not status


# A donor re-opened after issue ("HIV-1 NAT reactive confirmed"): the determination goes back
# to pending tests (docs/cell-products.md#eligibility-states) or ends ineligible, and every
# step towards a patient must stop the unit (21 CFR 1271.60).
REOPENED = [DonorEligibility.PENDING_TESTS, DonorEligibility.INELIGIBLE]
TOWARDS_PATIENT = [
    ("release", S.QUARANTINE, {}),
    ("conditional", S.QUARANTINE, {"sterility": Sterility.PENDING}),
    ("issue", S.RELEASED, {}),
    ("thaw", S.ISSUED, {"is_cryopreserved": True, "max_post_thaw_hold_minutes": 60}),
    ("administer", S.ISSUED, {}),
]


@pytest.mark.parametrize("eligibility", REOPENED)
@pytest.mark.parametrize(("name", "status", "changes"), TOWARDS_PATIENT)
def test_a_unit_of_a_donor_no_longer_eligible_goes_no_step_towards_a_patient(
    name, status, changes, eligibility
):
    state = unit(status, donor_eligibility=eligibility, **changes)
    with pytest.raises(TransitionRefused, match=f"its donor is {eligibility}") as refused:
        transition(state, EVENTS[name], at=NOW)
    assert [p.kind for p in refused.value.problems] == [Unsafe.DONOR_NOT_ELIGIBLE]


@pytest.mark.parametrize(("name", "status", "changes"), TOWARDS_PATIENT)
def test_an_expired_unit_goes_no_step_towards_a_patient(name, status, changes):
    with pytest.raises(TransitionRefused, match="expired at") as refused:
        transition(unit(status, **changes), EVENTS[name], at=EXPIRY)
    assert [p.kind for p in refused.value.problems] == [Unsafe.EXPIRED]


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("issue", {}),
        ("thaw", {"is_cryopreserved": True, "max_post_thaw_hold_minutes": 60}),
        ("administer", {}),
    ],
)
def test_a_unit_with_no_documented_release_is_not_issued_thawed_or_given(name, changes):
    # 21 CFR 1271.265(c): a responsible person documents the release; a released or issued
    # status without its approver is no release.
    status = S.RELEASED if name == "issue" else S.ISSUED
    state = unit(status, release_approver=None, **changes)
    with pytest.raises(TransitionRefused, match="no release approver is on record") as refused:
        transition(state, EVENTS[name], at=NOW)
    assert [p.kind for p in refused.value.problems] == [Unsafe.NOT_RELEASED]


def test_a_refusal_names_every_reason_at_once():
    state = unit(
        S.ISSUED,
        hold_reason=HELD,
        donor_eligibility=DonorEligibility.INELIGIBLE,
        release_approver=None,
    )
    with pytest.raises(TransitionRefused) as refused:
        transition(state, EVENTS["administer"], at=EXPIRY)
    assert [p.kind for p in refused.value.problems] == list(Unsafe)
    for problem in refused.value.problems:
        assert problem.message in str(refused.value)


def test_safety_problems_are_checked_at_the_moment_of_the_step():
    state = unit(S.ISSUED)
    assert safety_problems(state, EXPIRY - timedelta(microseconds=1)) == ()
    assert [p.kind for p in safety_problems(state, EXPIRY)] == [Unsafe.EXPIRED]


@pytest.mark.parametrize("status", [S.RELEASED, S.CONDITIONALLY_RELEASED, S.ISSUED, S.THAWED])
def test_a_unit_past_expiry_shows_expired_whatever_its_stored_status(status):
    state = unit(status)
    assert effective_status(state, EXPIRY - timedelta(seconds=1)) is status
    assert effective_status(state, EXPIRY) is S.EXPIRED


@pytest.mark.parametrize("status", [S.ADMINISTERED, S.DISCARDED, S.RECALLED, S.REJECTED])
def test_an_ended_unit_keeps_its_status_after_expiry(status):
    # What a patient received stays "administered" (docs/cell-products.md#product-status).
    assert effective_status(unit(status), EXPIRY + timedelta(days=1)) is status
