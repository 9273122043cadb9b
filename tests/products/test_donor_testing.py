import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.products.donor_testing import (
    MARROW,
    PANEL,
    PANEL_BY_ID,
    YEAR_ROUND,
    Donation,
    EligibilityOutcome,
    LabelStatement,
    Marker,
    Reactivity,
    ReasonKind,
    RecordedResult,
    Season,
    assess_eligibility,
    required_panel,
)
from orthoregen.products.product_class import Origin

E = EligibilityOutcome
L = LabelStatement
RECOVERED = date(2026, 3, 10)  # outside the June-October WNV season
# Adult donor adipose, not leukocyte-rich: the 21 CFR 1271.85(a) panel only.
ALLOGENEIC = Donation(origin=Origin.ALLOGENEIC, recovered_on=RECOVERED, is_leukocyte_rich=False)
AUTOLOGOUS = replace(ALLOGENEIC, origin=Origin.AUTOLOGOUS)
# 1271.85(a)(1)-(5) with the NATs of FDA's 2007 eligibility guidance and 2016 HBV NAT guidance.
EVERY_DONOR = [
    "anti_hiv_1_2", "hiv1_nat", "hbsag", "anti_hbc", "hbv_nat", "anti_hcv", "hcv_nat", "syphilis",
]  # fmt: skip


def result(test_id, reactivity=Reactivity.NON_REACTIVE, specimen_date=RECOVERED):
    return RecordedResult(test_id=test_id, specimen_date=specimen_date, reactivity=reactivity)


def clean(donation=ALLOGENEIC, *, but=()):
    """Non-reactive results of the donation's panel on recovery day, `but` these tests."""
    return [result(test.id) for test in required_panel(donation) if test.id not in but]


def reasons(finding):
    return [(r.test_id, r.kind) for r in finding.reasons]


def test_panel_for_every_donor_is_the_1271_85_a_list():
    assert [test.id for test in required_panel(ALLOGENEIC)] == EVERY_DONOR


def test_each_test_has_a_marker_kind_and_a_primary_source():
    assert {test.marker for test in PANEL} <= set(Marker)
    assert all("CFR" in test.source or "FDA guidance" in test.source for test in PANEL)
    assert PANEL_BY_ID["hbv_nat"].marker is Marker.NAT
    assert PANEL_BY_ID["hbsag"].marker is Marker.ANTIGEN


def test_every_required_test_present_in_window_and_non_reactive_is_eligible():
    finding = assess_eligibility(ALLOGENEIC, clean())
    assert (finding.outcome, finding.reasons, finding.labels) == (E.ELIGIBLE, (), ())


@pytest.mark.parametrize("test_id", ["hiv1_nat", "hbsag"])
def test_a_reactive_hiv_1_nat_or_hbsag_makes_the_donor_ineligible(test_id):
    # 21 CFR 1271.80(d)(1): a donor whose specimen is reactive on a required screening test is
    # ineligible; 1271.65(b)(2): such cells carry the biohazard legend and the warning.
    results = [*clean(but=[test_id]), result(test_id, Reactivity.REACTIVE)]
    finding = assess_eligibility(ALLOGENEIC, results)
    assert finding.outcome is E.INELIGIBLE
    assert reasons(finding) == [(test_id, ReasonKind.REACTIVE)]
    assert finding.labels == (L.BIOHAZARD_LEGEND, L.ADVISE_PATIENT)


def test_anti_hbc_reactive_with_hbsag_non_reactive_is_ineligible_as_under_fda():
    # Project choice: FDA 2007 eligibility guidance and 1271.80(d)(1), not the risk assessment
    # 2006/17/EC Annex II 1.3 allows in the EU (docs/donor-eligibility.md).
    results = [*clean(but=["anti_hbc"]), result("anti_hbc", Reactivity.REACTIVE)]
    assert assess_eligibility(ALLOGENEIC, results).outcome is E.INELIGIBLE


def test_a_missing_hbv_nat_leaves_the_finding_incomplete_naming_it():
    # FDA HBV NAT guidance (2016) under 1271.85(a)(3): HBV NAT is part of the panel.
    finding = assess_eligibility(ALLOGENEIC, clean(but=["hbv_nat"]))
    assert finding.outcome is E.INCOMPLETE
    assert reasons(finding) == [("hbv_nat", ReasonKind.MISSING)]
    assert "HBV NAT: no result recorded" in finding.reasons[0].message


def test_no_results_at_all_is_incomplete_naming_every_test():
    finding = assess_eligibility(ALLOGENEIC, [])
    assert finding.outcome is E.INCOMPLETE
    assert [test_id for test_id, _ in reasons(finding)] == EVERY_DONOR


@pytest.mark.parametrize(
    ("window", "days_from_recovery", "in_window"),
    [
        # 21 CFR 1271.80(b): at recovery, or up to 7 days before or after it.
        (None, -7, True),
        (None, -8, False),
        (None, 7, True),
        (None, 8, False),
        # 1271.80(b)(1): bone marrow, up to 30 days before recovery.
        (MARROW, -30, True),
        (MARROW, -31, False),
    ],
)
def test_a_specimen_outside_its_window_leaves_the_finding_incomplete(
    window, days_from_recovery, in_window
):
    donation = ALLOGENEIC if window is None else replace(ALLOGENEIC, specimen_window=window)
    specimen = RECOVERED + timedelta(days=days_from_recovery)
    results = [*clean(donation, but=["hcv_nat"]), result("hcv_nat", specimen_date=specimen)]
    finding = assess_eligibility(donation, results)
    if in_window:
        assert finding.outcome is E.ELIGIBLE
    else:
        assert finding.outcome is E.INCOMPLETE
        assert reasons(finding) == [("hcv_nat", ReasonKind.OUT_OF_WINDOW)]
        assert "1271.80(b)" in finding.reasons[0].message


def test_a_later_non_reactive_repeat_never_clears_a_reactive_result():
    # 1271.80(d)(1): the reactive screening result decides; re-testing into eligibility is not
    # allowed.
    results = [*clean(), result("hcv_nat", Reactivity.REACTIVE, RECOVERED - timedelta(days=2))]
    assert assess_eligibility(ALLOGENEIC, results).outcome is E.INELIGIBLE


def test_an_indeterminate_result_counts_as_reactive():
    # Project choice (docs/donor-eligibility.md): only a non-reactive result shows absence.
    results = [*clean(but=["syphilis"]), result("syphilis", Reactivity.INDETERMINATE)]
    assert assess_eligibility(ALLOGENEIC, results).outcome is E.INELIGIBLE


def test_a_reactive_result_counts_even_when_the_test_was_not_required():
    # HTLV is required only for leukocyte-rich cells (1271.85(b)), but a reactive HTLV result is
    # still evidence of infection (1271.75 relevant medical records).
    results = [*clean(), result("htlv_1_2", Reactivity.REACTIVE)]
    assert assess_eligibility(ALLOGENEIC, results).outcome is E.INELIGIBLE


def test_autologous_reactive_is_for_autologous_use_only_with_the_biohazard_legend():
    # 21 CFR 1271.90(a)(1): no eligibility determination is needed for autologous use;
    # 1271.90(c): "FOR AUTOLOGOUS USE ONLY", and the biohazard legend with "WARNING: Advise
    # patient of communicable disease risks" when a result is reactive.
    results = [*clean(AUTOLOGOUS, but=["anti_hcv"]), result("anti_hcv", Reactivity.REACTIVE)]
    finding = assess_eligibility(AUTOLOGOUS, results)
    assert finding.outcome is E.AUTOLOGOUS_USE_ONLY
    assert finding.labels == (L.FOR_AUTOLOGOUS_USE_ONLY, L.BIOHAZARD_LEGEND, L.ADVISE_PATIENT)
    assert reasons(finding) == [("anti_hcv", ReasonKind.REACTIVE)]


@pytest.mark.parametrize(
    ("results", "labels"),
    [
        (clean(AUTOLOGOUS), (L.FOR_AUTOLOGOUS_USE_ONLY,)),
        # 1271.90(c)(2): unless all otherwise applicable testing was performed.
        ([], (L.FOR_AUTOLOGOUS_USE_ONLY, L.NOT_EVALUATED)),
        (clean(AUTOLOGOUS, but=["hbv_nat"]), (L.FOR_AUTOLOGOUS_USE_ONLY, L.NOT_EVALUATED)),
    ],
)
def test_autologous_cells_are_never_eligible_for_another_person(results, labels):
    finding = assess_eligibility(AUTOLOGOUS, results)
    assert (finding.outcome, finding.labels) == (E.AUTOLOGOUS_USE_ONLY, labels)


@pytest.mark.parametrize(
    ("recovered_on", "needs_wnv_nat"),
    [
        # FDA WNV NAT guidance for living HCT/P donors (2016): 1 June to 31 October.
        (date(2026, 5, 31), False),
        (date(2026, 6, 1), True),
        (date(2026, 10, 31), True),
        (date(2026, 11, 1), False),
    ],
)
def test_wnv_nat_is_required_only_in_season(recovered_on, needs_wnv_nat):
    donation = replace(ALLOGENEIC, recovered_on=recovered_on)
    assert ("wnv_nat" in [test.id for test in required_panel(donation)]) is needs_wnv_nat
    results = [result(t, specimen_date=recovered_on) for t in EVERY_DONOR]
    outcome = assess_eligibility(donation, results).outcome
    assert outcome is (E.INCOMPLETE if needs_wnv_nat else E.ELIGIBLE)


@pytest.mark.parametrize(
    ("season", "day", "included"),
    [
        (Season(first=(11, 1), last=(3, 31)), date(2026, 1, 15), True),  # wraps the new year
        (Season(first=(11, 1), last=(3, 31)), date(2026, 6, 1), False),
        (YEAR_ROUND, date(2028, 2, 29), True),
    ],
)
def test_a_clinic_may_set_its_own_wnv_season(season, day, included):
    assert season.includes(day) is included


def test_a_season_bound_must_be_a_real_day():
    with pytest.raises(ValueError):
        Season(first=(2, 30), last=(3, 1))


def test_leukocyte_rich_cells_add_htlv_and_cmv():
    # 21 CFR 1271.85(b): viable, leukocyte-rich cells (e.g. bone marrow).
    donation = replace(ALLOGENEIC, is_leukocyte_rich=True)
    assert [test.id for test in required_panel(donation)] == [*EVERY_DONOR, "htlv_1_2", "cmv"]
    finding = assess_eligibility(donation, clean(ALLOGENEIC))
    assert reasons(finding) == [("htlv_1_2", ReasonKind.MISSING), ("cmv", ReasonKind.MISSING)]


def test_a_reactive_cmv_does_not_make_the_donor_ineligible_but_is_named():
    # 21 CFR 1271.85(b): release of a CMV-reactive donor's cells is governed by an SOP.
    donation = replace(ALLOGENEIC, is_leukocyte_rich=True)
    results = [*clean(donation, but=["cmv"]), result("cmv", Reactivity.REACTIVE)]
    finding = assess_eligibility(donation, results)
    assert finding.outcome is E.ELIGIBLE
    assert reasons(finding) == [("cmv", ReasonKind.RELEASE_UNDER_SOP)]


def test_an_unknown_test_is_refused_rather_than_ignored():
    with pytest.raises(ValueError, match="unknown donor test 'hiv_nat'"):
        result("hiv_nat")


def test_the_finding_and_its_panel_are_stored_as_json():
    finding = assess_eligibility(ALLOGENEIC, clean(but=["hbv_nat"]))
    record = finding.as_record()
    assert json.loads(json.dumps(record)) == record
    assert record["panel"] == EVERY_DONOR
    assert record["outcome"] == "incomplete"
    assert record["donation"]["recovered_on"] == "2026-03-10"
    assert record["reasons"][0]["test"] == "hbv_nat"


_results = st.lists(
    st.builds(
        RecordedResult,
        test_id=st.sampled_from([test.id for test in PANEL]),
        specimen_date=st.dates(date(2027, 12, 1), date(2028, 4, 1)),
        reactivity=st.sampled_from(Reactivity),
    ),
    max_size=14,
)


@given(
    st.dates(date(2028, 1, 1), date(2028, 3, 1)), st.booleans(), st.sampled_from(Origin), _results
)
@example(date(2028, 2, 29), True, Origin.ALLOGENEIC, [])
def test_eligible_only_when_every_required_test_is_clean_in_its_window(
    recovered_on, leukocyte_rich, origin, results
):
    donation = Donation(origin=origin, recovered_on=recovered_on, is_leukocyte_rich=leukocyte_rich)
    finding = assess_eligibility(donation, results)
    if origin is Origin.AUTOLOGOUS:
        assert finding.outcome is E.AUTOLOGOUS_USE_ONLY
        return
    blocking = [r for r in results if PANEL_BY_ID[r.test_id].reactive_is_ineligible]
    if any(r.reactivity is not Reactivity.NON_REACTIVE for r in blocking):
        assert finding.outcome is E.INELIGIBLE
        return
    clean_in_window = {
        r.test_id
        for r in results
        # A CMV result of any reactivity counts as done (1271.85(b)); the others must be clean.
        if (r.reactivity is Reactivity.NON_REACTIVE or r.test_id == "cmv")
        and donation.specimen_window.includes(r.specimen_date, recovered_on)
    }
    complete = all(test.id in clean_in_window for test in required_panel(donation))
    assert finding.outcome is (E.ELIGIBLE if complete else E.INCOMPLETE)
