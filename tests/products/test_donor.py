import pytest

from orthoregen.products.donor import (
    CompleteRiskAssessment,
    CompleteScreening,
    Determine,
    DonorDetermination,
    DonorDeterminationRefused,
    DonorEligibility,
    ExcludeOnScreening,
    Reopen,
    determine_donor,
)

D = DonorEligibility

# Expected paths written from cell_products.md 2.5:
# PENDING_SCREENING -> PENDING_TESTS -> ELIGIBLE | INELIGIBLE | ELIGIBLE_PENDING_RISK_ASSESSMENT.


def test_screening_then_tests_then_eligible():
    status = determine_donor(D.PENDING_SCREENING, CompleteScreening(determined_by="Dr R")).status
    assert status is D.PENDING_TESTS
    assert determine_donor(status, Determine(outcome=D.ELIGIBLE, determined_by="Dr R")) == (
        DonorDetermination(D.ELIGIBLE)
    )


def test_risk_assessment_resolves_to_eligible_or_ineligible():
    pending = D.ELIGIBLE_PENDING_RISK_ASSESSMENT
    event = CompleteRiskAssessment(outcome=D.INELIGIBLE, determined_by="Dr R", reason="anti-HBc+")
    assert determine_donor(pending, event).status is D.INELIGIBLE


def test_exclusion_on_screening_makes_donor_ineligible_without_tests():
    event = ExcludeOnScreening(determined_by="Dr R", reason="family history of CJD")
    assert determine_donor(D.PENDING_SCREENING, event).status is D.INELIGIBLE


@pytest.mark.parametrize(
    ("status", "lookback"),
    [(D.ELIGIBLE, True), (D.ELIGIBLE_PENDING_RISK_ASSESSMENT, True), (D.INELIGIBLE, False)],
)
def test_new_information_reopens_and_starts_lookback_for_released_donors(status, lookback):
    result = determine_donor(status, Reopen(reason="late positive HCV NAT"))
    assert result == DonorDetermination(D.PENDING_TESTS, lookback_required=lookback)


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (D.PENDING_TESTS, CompleteScreening(determined_by="x")),
        (D.ELIGIBLE, CompleteScreening(determined_by="x")),
        (D.PENDING_SCREENING, Determine(outcome=D.ELIGIBLE, determined_by="x")),
        (D.ELIGIBLE, Determine(outcome=D.ELIGIBLE, determined_by="x")),
        (D.PENDING_TESTS, ExcludeOnScreening(determined_by="x", reason="r")),
        (D.ELIGIBLE, CompleteRiskAssessment(outcome=D.ELIGIBLE, determined_by="x", reason="r")),
        (D.PENDING_SCREENING, Reopen(reason="r")),
        (D.PENDING_TESTS, Reopen(reason="r")),
    ],
)
def test_steps_out_of_order_are_refused(status, event):
    with pytest.raises(DonorDeterminationRefused, match=f"donor is {status}"):
        determine_donor(status, event)


@pytest.mark.parametrize(
    ("status", "event", "message"),
    [
        (D.PENDING_TESTS, Determine(outcome=D.PENDING_TESTS, determined_by="x"), "not a determ"),
        (D.PENDING_TESTS, Determine(outcome=D.INELIGIBLE, determined_by="x"), "needs a reason"),
        (
            D.ELIGIBLE_PENDING_RISK_ASSESSMENT,
            CompleteRiskAssessment(outcome=D.PENDING_TESTS, determined_by="x", reason="r"),
            "ends eligible or ineligible",
        ),
        (D.ELIGIBLE, Reopen(reason=" "), "new information"),
    ],
)
def test_determinations_need_a_valid_outcome_and_reason(status, event, message):
    with pytest.raises(DonorDeterminationRefused, match=message):
        determine_donor(status, event)


def test_outcome_given_as_text_is_read_as_a_status():
    result = determine_donor(D.PENDING_TESTS, Determine(outcome="eligible", determined_by="x"))
    assert result.status is D.ELIGIBLE
