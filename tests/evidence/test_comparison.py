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
    # evidence.md section 3: Previtali 2021 saline arms -13.4 mm; Saltzman 2017 12.10 mm.
    ids = {p.id for p in comparison.published_placebo_changes}
    assert ids == {"previtali-2021-vas", "saltzman-2017-vas-3m"}
    assert comparison.caveat == REGISTRY_CAVEAT
    assert "uncontrolled" in REGISTRY_CAVEAT


def test_hip_has_no_published_placebo_response():
    outcome = Outcome("hip", "VAS pain", "total", "change from baseline", 6)
    comparison = compare_with_evidence(load_library(), load_published_pools(), outcome)
    assert comparison.published_placebo_changes == ()
