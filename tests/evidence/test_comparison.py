"""The clinic-beside-evidence comparison carries the uncontrolled-data caveat."""

from orthoregen.evidence.comparison import REGISTRY_CAVEAT, compare_with_evidence
from orthoregen.evidence.library import load_library
from orthoregen.evidence.pooling import NotEnoughStudies, Outcome
from orthoregen.evidence.published import load_published_pools


def test_knee_vas_comparison_shows_published_saline_response_and_no_pooled_arms():
    outcome = Outcome("knee", "VAS pain", "total", "change from baseline", 6)
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome)
    assert isinstance(comparison.msc, NotEnoughStudies)
    assert isinstance(comparison.placebo, NotEnoughStudies)
    # docs/evidence.md#placebo-response: Previtali 2021 saline arms -13.4 mm; Saltzman 2017
    # 12.10 mm.
    ids = {p.id for p in comparison.published_placebo_changes}
    assert ids == {"previtali-2021-vas", "saltzman-2017-vas-3m"}
    assert comparison.caveat == REGISTRY_CAVEAT
    assert "uncontrolled" in REGISTRY_CAVEAT


def test_hip_has_no_published_placebo_response():
    outcome = Outcome("hip", "VAS pain", "total", "change from baseline", 6)
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome)
    assert comparison.published_placebo_changes == ()


def test_knee_nrs_comparison_shows_the_vas_saline_response_converted_and_marked():
    outcome = Outcome("knee", "NRS pain", "total", "change from baseline", 6, scale="0-10")
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome)
    (previtali,) = [p for p in comparison.published_placebo_changes if p.timepoint_months == 6]
    # Previtali 2021 (Cartilage) saline arms VAS -13.4 mm (-21.7 to -5.1), shown
    # on the NRS's 0-10 scale as -1.34 (-2.17 to -0.51) and marked as converted.
    assert previtali.id == "previtali-2021-vas"
    assert (previtali.estimate, previtali.ci_low, previtali.ci_high) == (-1.34, -2.17, -0.51)
    assert previtali.scale == "0-10"
    assert previtali.rescaled_from == "VAS pain 0-100 mm × 0.1"


def test_a_published_change_on_another_scale_is_never_shown_unconverted():
    # Gel-200's PBS arm is WOMAC pain on 0-100 mm; a clinic's Likert WOMAC pain is 0-20.
    outcome = Outcome("knee", "WOMAC", "pain", "change from baseline", 3, scale="0-20")
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome)
    ids = [p.id for p in comparison.published_placebo_changes]
    assert "gel200-pbs-womac-pain-12w" not in ids
    assert "gel200-pbs-womac-pain-12w" in {p.id for p in load_published_pools()}
    outcome_6 = Outcome("knee", "WOMAC", "pain", "change from baseline", 6, scale="0-20")
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome_6)
    # Previtali's WOMAC pain is published on 0-20: shown as it is.
    assert [p.id for p in comparison.published_placebo_changes
            if p.timepoint_months == 6] == ["previtali-2021-womac-pain"]
