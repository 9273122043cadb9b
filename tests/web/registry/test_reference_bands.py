"""The dashboard's published reference bands: which comparison, its citations, its numbers."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(as_user, clinician_a, site_a, cohort):
    cohort(site_a, 24)  # NRS pain, knee (conftest.outcome_frames)
    response = as_user(clinician_a).get(reverse("registry:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_which_comparison_is_shown_and_why(page):
    assert "Published reference bands: knee pain" in page
    assert "Why this comparison" in page
    assert "are not drawn on the clinic&#x27;s axis" in page


def test_the_saline_band_carries_citation_population_and_time_point(page):
    # Previtali 2021, abstract: VAS-pain -13.4 (95 % CI -21.7/-5.1) up to 6 months, 50 RCTs,
    # 4,076 patients; on the clinic's NRS through the VAS mm -> NRS conversion (x 0.1).
    assert "-1.34 (-2.17 to -0.51)" in page
    assert "doi:10.1177/1947603520906597" in page
    assert "50 double-blind RCTs with a saline arm, 4,076 patients" in page
    assert "converted from VAS pain 0-100 mm × 0.1" in page


def test_the_restore_saline_arm_gives_a_12_month_band_with_its_derived_interval(page):
    # Bennell 2021 (PMC8611484), Table 2: saline change -1.8 (SD 2.5), n = 144; the 95 % t
    # interval -1.8 ± 1.977 * 2.5 / 12 = -2.21 to -1.39 is derived, and the page says so.
    assert "-1.80 (-2.21 to -1.39)" in page
    assert "95 % t interval derived from the published mean -1.8 (SD 2.5), n = 144" in page
    assert "PMC8611484" in page


def test_msc_versus_control_pools_are_listed_apart_with_their_doi(page):
    # Dai 2021 (doi:10.1016/j.arthro.2020.10.016): VAS MD 1.62 (-0.60 to 3.85) vs placebo.
    assert "1.62 (-0.60 to 3.85)" in page
    assert "doi:10.1016/j.arthro.2020.10.016" in page
    # Ma 2020, mixed controls: VAS MD -19.24 (-26.31 to -12.18).
    assert "-19.24 (-26.31 to -12.18)" in page
    assert "inflates the apparent effect" in page


def test_a_hip_cohort_gets_no_knee_bands(as_user, clinician_a, site_a, cohort):
    cohort(site_a, 12)
    page = as_user(clinician_a).get(reverse("registry:dashboard"), {"joint": "hip"})
    assert "Published reference bands" not in page.content.decode()
