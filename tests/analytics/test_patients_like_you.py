"""Patients like you: matching and widening, the floor, and each interval against its source."""

import dataclasses
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orthoregen.analytics.intervals import Interval
from orthoregen.analytics.matching import (
    AgeBand,
    BmiBand,
    FollowUp,
    Profile,
    TreatedJoint,
    Widening,
    age_band,
    bmi_band,
    match_cohort,
)
from orthoregen.analytics.patients_like_you import (
    PATIENTS_LIKE_YOU_CAVEAT,
    ChangeCentiles,
    PatientsLikeYou,
    TooFewToSay,
    adverse_event_rate,
    centiles,
    describe_patients_like,
    replacement_share,
    thresholds_for,
)
from orthoregen.analytics.responders import Better, Thresholds
from orthoregen.vocabulary import GradeScale, Joint

# Derandomized so a red build reproduces; no deadline because CI machines jitter.
REPRODUCIBLE = settings(derandomize=True, deadline=None, max_examples=60)

KL = GradeScale.KELLGREN_LAWRENCE
# Knee pain VAS (mm, lower is better): MCII -19.9 mm (Tubach F et al., Ann Rheum Dis
# 2005;64:29-33) and PASS 32.3 mm (Tubach F et al., Ann Rheum Dis 2005;64:34-37).
VAS_KNEE = Thresholds(Better.LOWER, improvement=-19.9, acceptable=32.3)
PROFILE = Profile(Joint.KNEE, KL, 3, AgeBand.FIFTIES, BmiBand.PRE_OBESE, "bmac")

# Newcombe RG, Stat Med 1998;17:857-72, method 3 (Wilson score, no continuity correction),
# the paper's four worked examples, as in test_intervals.py (see there for what was confirmed).
NEWCOMBE = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718)]


def treated(
    grade=3,
    age=AgeBand.FIFTIES,
    bmi=BmiBand.PRE_OBESE,
    source="bmac",
    *,
    joint=Joint.KNEE,
    scale=KL,
    baseline=60.0,
    change_6=-25.0,
    change_12=-25.0,
    closed_12=True,
    months=30.0,
    replaced=False,
    injections=1,
    adverse_events=0,
):
    return TreatedJoint(
        profile=Profile(joint, scale, grade, age, bmi, source),
        baseline=baseline,
        month_6=FollowUp(change_6, window_closed=True),
        month_12=FollowUp(change_12, window_closed=closed_12),
        months_to_replacement_or_censoring=months,
        replaced=replaced,
        injections=injections,
        adverse_events=adverse_events,
    )


def many(n, **kwargs):
    return [treated(**kwargs) for _ in range(n)]


def ladder_cohort():
    """Each group joins at exactly one step of the ladder; the last never joins."""
    return (
        many(3)  # exact
        + many(4, source="svf")  # once any cell source
        + many(5, bmi=BmiBand.OBESE_I, source="svf")  # once the BMI band widens
        + many(6, age=AgeBand.SIXTIES, bmi=BmiBand.NORMAL)  # once the age band widens
        + many(7, grade=4, age=AgeBand.FORTIES)  # once the grade widens
        + many(2, joint=Joint.HIP)  # another joint
        + many(2, grade=1)  # two grades away
        + many(2, age=AgeBand.SEVENTIES)  # two age bands away
        + many(2, bmi=BmiBand.OBESE_II)  # two BMI bands away
    )


def test_widens_in_the_documented_order_and_records_n_at_each_step():
    match = match_cohort(PROFILE, ladder_cohort(), target_n=1000)
    assert [(s.widening, s.n) for s in match.steps] == [
        (Widening.NONE, 3),
        (Widening.ANY_CELL_SOURCE, 7),
        (Widening.NEIGHBOURING_BMI_BANDS, 12),
        (Widening.NEIGHBOURING_AGE_BANDS, 18),
        (Widening.NEIGHBOURING_GRADES, 25),
    ]
    assert match.steps[-1].criteria == (
        "Knee, Kellgren-Lawrence 2-4, age 40-49 to 60-69, BMI 18.5-24.9 to 30-34.9, "
        "any cell source"
    )


@pytest.mark.parametrize(
    ("target_n", "last"),
    [(3, Widening.NONE), (7, Widening.ANY_CELL_SOURCE), (8, Widening.NEIGHBOURING_BMI_BANDS),
     (18, Widening.NEIGHBOURING_AGE_BANDS), (19, Widening.NEIGHBOURING_GRADES)],
)
def test_stops_at_the_first_step_that_reaches_the_target(target_n, last):
    match = match_cohort(PROFILE, ladder_cohort(), target_n=target_n)
    assert match.steps[-1].widening is last
    assert match.n == match.steps[-1].n


def test_without_a_cell_source_the_match_starts_from_any_source():
    profile = dataclasses.replace(PROFILE, cell_source=None)
    match = match_cohort(profile, ladder_cohort(), target_n=1000)
    assert [s.widening for s in match.steps][0] is Widening.ANY_CELL_SOURCE
    assert match.steps[0].n == 7


def test_never_widens_the_joint():
    result = describe_patients_like(PROFILE, many(50, joint=Joint.HIP), VAS_KNEE)
    assert isinstance(result, TooFewToSay)
    assert result.n == 0
    assert [s.n for s in result.steps] == [0, 0, 0, 0, 0]


def test_never_mixes_grading_scales():
    hip = Profile(Joint.HIP, GradeScale.TONNIS, 2, AgeBand.FIFTIES, BmiBand.PRE_OBESE)
    assert match_cohort(hip, many(30, joint=Joint.HIP, grade=2)).n == 0


@pytest.mark.parametrize(("n", "floor", "says_too_few"), [(9, 10, True), (10, 10, False),
                                                          (4, 5, True), (5, 5, False)])
def test_below_the_floor_says_too_few_to_say_anything(n, floor, says_too_few):
    result = describe_patients_like(PROFILE, many(n), VAS_KNEE, floor=floor)
    assert isinstance(result, TooFewToSay) is says_too_few
    assert result.n == n
    if says_too_few:
        assert f"{n} matched" in result.message
    else:
        assert result.reached_target is False


def test_rejects_a_floor_above_the_target():
    with pytest.raises(ValueError):
        describe_patients_like(PROFILE, many(30), VAS_KNEE, target_n=10, floor=11)


def test_states_lost_and_not_yet_due_apart_from_those_with_data():
    cohort = (many(20) + many(6, change_12=None, closed_12=True)
              + many(4, change_12=None, closed_12=False))
    result = describe_patients_like(PROFILE, cohort, VAS_KNEE)
    twelve = result.month_12
    assert (twelve.n_with_data, twelve.n_lost, twelve.n_not_yet_due) == (20, 6, 4)
    assert result.month_6.n_with_data == 30


def test_a_time_point_below_the_floor_is_too_thin_and_shows_no_share():
    cohort = many(9) + many(21, change_12=None, closed_12=False)
    result = describe_patients_like(PROFILE, cohort, VAS_KNEE)
    assert result.month_12.too_thin
    assert (result.month_12.improvement, result.month_12.acceptable) == (None, None)
    assert result.month_12.change is None
    assert not result.month_6.too_thin and result.month_6.improvement is not None


@pytest.mark.parametrize(("count", "n", "low", "high"), NEWCOMBE)
def test_improvement_share_carries_the_wilson_interval(count, n, low, high):
    # -25 mm reaches the 19.9 mm MCII, -5 mm does not.
    cohort = many(count, change_6=-25.0) + many(n - count, change_6=-5.0)
    share = describe_patients_like(PROFILE, cohort, VAS_KNEE).month_6.improvement
    assert (share.count, share.n) == (count, n)
    assert (share.ci_low, share.ci_high) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("count", "n", "low", "high"), NEWCOMBE)
def test_pass_share_carries_the_wilson_interval(count, n, low, high):
    # Baseline 60: -30 mm ends at 30 mm, inside the 32.3 mm PASS; -25 mm ends at 35 mm.
    cohort = many(count, change_12=-30.0) + many(n - count, change_12=-25.0)
    share = describe_patients_like(PROFILE, cohort, VAS_KNEE).month_12.acceptable
    assert (share.count, share.n) == (count, n)
    assert (share.ci_low, share.ci_high) == pytest.approx((low, high), abs=5e-5)


def test_thresholds_are_inclusive():
    # Exactly the MCII (-19.9 mm) counts as improved; exactly 32.3 mm counts as acceptable.
    cohort = many(10, baseline=52.2, change_6=-19.9) + many(10, change_6=-19.8)
    month_6 = describe_patients_like(PROFILE, cohort, VAS_KNEE).month_6
    assert month_6.improvement.count == 10
    assert month_6.acceptable.count == 10


def test_no_threshold_means_no_share_not_zero():
    result = describe_patients_like(PROFILE, many(20), Thresholds(Better.LOWER))
    assert result.month_6.improvement is None and result.month_6.acceptable is None
    assert result.month_6.change is not None


def test_change_centiles_follow_hyndman_fan_type_7():
    # Hyndman RJ, Fan Y, Am Stat 1996;50:361-5, type 7: h = (n - 1)p + 1 on x(1) <= ... <= x(n),
    # x(floor h) + (h - floor h)(x(floor h + 1) - x(floor h)). Worked by hand for the eleven
    # changes -50, -45, ..., 0: h = 2 -> -45; 3.5 -> -37.5; 6 -> -25; 8.5 -> -12.5; 10 -> -5.
    spread = centiles([-5.0 * k for k in range(11)], Better.LOWER)
    assert (spread.minimum, spread.p10, spread.p25, spread.median, spread.p75, spread.p90,
            spread.maximum) == pytest.approx((-50, -45, -37.5, -25, -12.5, -5, 0))


def test_replacement_share_is_one_minus_kaplan_meier_worked_by_hand():
    # Product limit (Kaplan & Meier, J Am Stat Assoc 1958;53:457-81) by hand: replaced at 6, 12
    # and 20 months; censored at 9, 15, 30, 30, 30. S(12) = 7/8 * 5/6, S(24) = S(12) * 3/4.
    # Greenwood (1926) variance of log S: sum d / (n (n - d)); log-transform 95 % interval.
    durations = [6, 9, 12, 15, 20, 30, 30, 30]
    replaced = [True, False, True, False, True, False, False, False]
    z = 1.959964
    for months, surv, greenwood, at_risk in [
        (12, 7 / 8 * 5 / 6, 1 / (8 * 7) + 1 / (6 * 5), 6),
        (24, 7 / 8 * 5 / 6 * 3 / 4, 1 / (8 * 7) + 1 / (6 * 5) + 1 / (4 * 3), 3),
    ]:
        result = replacement_share(durations, replaced, months, floor=1)
        high = min(1.0, surv * math.exp(z * math.sqrt(greenwood)))
        low = surv * math.exp(-z * math.sqrt(greenwood))
        assert result.share == pytest.approx(1 - surv, abs=1e-9)
        assert (result.interval.low, result.interval.high) == pytest.approx(
            (1 - high, 1 - low), abs=1e-6
        )
        assert (result.n_at_risk, result.too_thin) == (at_risk, False)


@pytest.mark.parametrize(
    ("months", "surv", "low", "high"),
    # R survival's aml data, Maintained group, its weeks read as months: summary(survfit(...))
    # in r-forge/survival pkg/survival/tests/doaml.Rout.save (as test_survival.py): S = 0.909
    # (0.7541-1.000) from 9 to 13, 0.614 (0.3769-0.999) from 23 to 31.
    [(12, "0.909", "0.7541", "1.000"), (24, "0.614", "0.3769", "0.999")],
)
def test_replacement_share_matches_r_survival(aml, months, surv, low, high):
    rows = aml[aml["x"] == "Maintained"]
    result = replacement_share(rows["time"].tolist(), rows["status"].astype(bool).tolist(),
                               months, floor=1)

    def close(got, printed):
        return abs(got - float(printed)) <= 0.5 * 10 ** -len(printed.split(".")[1]) + 1e-12

    assert close(1 - result.share, surv)
    assert close(1 - result.interval.high, low) and close(1 - result.interval.low, high)


def test_replacement_is_never_carried_past_the_follow_up():
    result = replacement_share([18.0] * 30, [False] * 30, 24)
    assert (result.n_at_risk, result.too_thin, result.share, result.interval) == (0, True, None,
                                                                                 None)


def test_no_replacement_yet_shows_the_wilson_upper_limit_not_zero_to_zero():
    # 0 of 20 followed to 12 months: Newcombe 1998's worked example 0/20 -> 0 to 0.1611.
    result = replacement_share([30.0] * 20, [False] * 20, 12)
    assert result.share == 0
    assert (result.interval.low, result.interval.high) == pytest.approx((0, 0.1611), abs=5e-5)


@pytest.mark.parametrize(
    ("events", "injections", "level", "low", "high"),
    [
        # GraphPad QuickCalcs FAQ "How QuickCalcs computes the confidence interval of a count"
        # (Garwood method): a count of 25 -> 95 % 16.18 to 36.90, 90 % 17.38 to 34.92.
        # Over 100 injections the count is the rate per 100.
        (25, 100, 0.95, 16.18, 36.90),
        (25, 100, 0.90, 17.38, 34.92),
        # R epitools pois.exact help page: for 0 observed the exact upper limit is 3.689.
        (0, 100, 0.95, 0.0, 3.689),
        (0, 200, 0.95, 0.0, 3.689 / 2),
    ],
)
def test_adverse_event_rate_uses_the_exact_poisson_interval(events, injections, level, low,
                                                            high):
    # No printed Garwood table (Ulm 1990, Breslow & Day 1987) was found in the reference corpus.
    rate = adverse_event_rate(events, injections, level=level)
    assert rate.per_100_injections == pytest.approx(100 * events / injections)
    assert (rate.interval.low, rate.interval.high) == pytest.approx((low, high), abs=5e-3)


def test_adverse_events_are_counted_per_injection_across_the_match():
    cohort = many(15, injections=4, adverse_events=1) + many(10, injections=4, adverse_events=1)
    rate = describe_patients_like(PROFILE, cohort, VAS_KNEE).adverse_events
    assert (rate.events, rate.injections) == (25, 100)
    assert (rate.interval.low, rate.interval.high) == pytest.approx((16.18, 36.90), abs=5e-3)


@pytest.mark.parametrize(
    ("instrument", "subscale", "joint", "expected"),
    [
        # Tubach 2005 knee VAS MCII -19.9 mm and PASS 32.3 mm; hip -15.3 mm and 35.0 mm
        # (docs/instruments.md#thresholds).
        ("vas_pain", "pain", Joint.KNEE, Thresholds(Better.LOWER, -19.9, 32.3)),
        ("vas_pain", "pain", Joint.HIP, Thresholds(Better.LOWER, -15.3, 35.0)),
        # HOOS pain, THA cohort: MCID 8.35, PASS 80.6 (docs/instruments.md, J Arthroplasty 2025).
        ("hoos", "pain", Joint.HIP, Thresholds(Better.HIGHER, 8.35, 80.6)),
        # KOOS pain MIC 11.3, non-surgical knee OA (PMID 41367621, docs/instruments.md); no
        # KOOS PASS was verified, so none is invented.
        ("koos", "pain", Joint.KNEE, Thresholds(Better.HIGHER, 11.3, None)),
        # WOMAC LK3.1 raw pain: Ehrich 2000 MPCI 9.7 on 0-100, x 20 / 100 = 1.94 points.
        ("womac_lk31", "pain", Joint.KNEE, Thresholds(Better.LOWER, -1.94, None)),
    ],
)
def test_thresholds_come_from_the_instrument_definitions(instrument, subscale, joint, expected):
    assert thresholds_for(instrument, subscale, joint) == expected


def _field_names(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield f.name
            yield from _field_names(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _field_names(item)


def test_no_output_field_is_a_single_predicted_score():
    result = describe_patients_like(PROFILE, many(20) + many(20, change_6=-5.0), VAS_KNEE)
    names = set(_field_names(result))
    forbidden = {"mean", "prediction", "predicted", "expected", "score", "expected_change",
                 "predicted_score", "mean_change"}
    assert names.isdisjoint(forbidden)
    assert {f.name for f in dataclasses.fields(ChangeCentiles)} == {
        "minimum", "p10", "p25", "median", "p75", "p90", "maximum", "better", "method"}


def test_carries_the_registry_caveat():
    result = describe_patients_like(PROFILE, many(20), VAS_KNEE)
    assert result.caveat == PATIENTS_LIKE_YOU_CAVEAT
    for words in ("uncontrolled", "placebo", "regression to the mean", "not a prediction"):
        assert words in PATIENTS_LIKE_YOU_CAVEAT


@pytest.mark.parametrize(
    ("bmi", "band"),
    # WHO Technical Report Series 894 (2000): classes start at 18.5, 25, 30, 35 and 40 kg/m².
    [(18.4, BmiBand.UNDERWEIGHT), (18.5, BmiBand.NORMAL), (24.9, BmiBand.NORMAL),
     (25.0, BmiBand.PRE_OBESE), (30.0, BmiBand.OBESE_I), (35.0, BmiBand.OBESE_II),
     (40.0, BmiBand.OBESE_III)],
)
def test_bmi_bands_are_the_who_classes(bmi, band):
    assert bmi_band(bmi) is band


@pytest.mark.parametrize(("age", "band"), [(39.9, AgeBand.UNDER_40), (40, AgeBand.FORTIES),
                                           (79.9, AgeBand.SEVENTIES), (96, AgeBand.EIGHTY_PLUS)])
def test_age_bands_are_ten_years_wide(age, band):
    assert age_band(age) is band


def test_profile_reads_stored_text_and_refuses_a_grade_off_its_scale():
    assert Profile("knee", "kellgren_lawrence", 3, "50_59", "25_to_29_9") == dataclasses.replace(
        PROFILE, cell_source=None)
    with pytest.raises(ValueError):
        Profile(Joint.HIP, GradeScale.TONNIS, 4, AgeBand.FIFTIES, BmiBand.NORMAL)


# Narrow band choices so that random cohorts match often enough to reach the shares.
profiles = st.builds(
    Profile,
    joint=st.just(Joint.KNEE),
    grade_scale=st.just(KL),
    grade=st.integers(2, 4),
    age_band=st.sampled_from([AgeBand.FIFTIES, AgeBand.SIXTIES, AgeBand.SEVENTIES]),
    bmi_band=st.sampled_from([BmiBand.PRE_OBESE, BmiBand.OBESE_I, BmiBand.OBESE_II]),
    cell_source=st.sampled_from(["bmac", "svf", None]),
)
follow_ups = st.builds(FollowUp, change=st.one_of(st.none(), st.floats(-100, 100)),
                       window_closed=st.booleans())
earlier_joints = st.builds(
    TreatedJoint,
    profile=profiles,
    baseline=st.floats(0, 100),
    month_6=follow_ups,
    month_12=follow_ups,
    months_to_replacement_or_censoring=st.floats(0, 40),
    replaced=st.booleans(),
    injections=st.integers(1, 3),
    adverse_events=st.integers(0, 2),
)


@REPRODUCIBLE
@given(profiles, st.lists(earlier_joints, max_size=40))
@example(PROFILE, ladder_cohort())
def test_widening_never_decreases_n(profile, cohort):
    ns = [step.n for step in match_cohort(profile, cohort, target_n=10_000).steps]
    assert ns == sorted(ns)


def _inside(share, interval):
    return 0 <= interval.low <= share <= interval.high <= 1


@REPRODUCIBLE
@given(profiles, st.lists(earlier_joints, min_size=5, max_size=40))
def test_shares_stay_in_range_and_inside_their_intervals(profile, cohort):
    result = describe_patients_like(profile, cohort, VAS_KNEE, target_n=8, floor=3)
    if isinstance(result, TooFewToSay):
        return
    assert isinstance(result, PatientsLikeYou)
    for outcome in (result.month_6, result.month_12):
        for share in (outcome.improvement, outcome.acceptable):
            if share is not None:
                assert _inside(share.estimate, Interval(share.ci_low, share.ci_high))
    for replacement in result.replacement:
        if replacement.share is not None:
            assert _inside(replacement.share, replacement.interval)
    rate = result.adverse_events
    assert rate.interval.low <= rate.per_100_injections <= rate.interval.high
