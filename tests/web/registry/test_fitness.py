"""The registry fitness-for-use report: numbers per site, HTML and PDF, permissions, audit.

The cohort (conftest.make_cohort): each joint treated 2 June 2025 with one BMAC injection of
40 million cells, visits at 3, 6 and 12 months completed and a 24-month visit not yet due.
"""

import datetime as dt

import pandas as pd
import pytest
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup.models import Withdrawal
from orthoregen.web.registry import services
from orthoregen.web.registry.fitness import site_fitness, standardised_difference
from orthoregen.web.registry.models import VisitFact
from orthoregen.web.registry.sources import SourceFrames

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 6)


def test_completeness_and_loss_by_reason(site_a, clinician_a, cohort):
    patients = cohort(site_a, 12, prefix="F", arthroplasty_every=4)
    # Three 12-month visits missed: one patient withdrew, one joint was replaced (day 300),
    # one did not answer.
    missed = [patients[1], patients[4], patients[2]]
    VisitFact.objects.filter(episode__patient__in=missed, timepoint="month_12").update(
        completed=False)
    Withdrawal.objects.create(patient=patients[1], withdrawn_on=dt.date(2025, 12, 1))
    s = site_fitness(site_a, clinician_a, as_of=AS_OF)
    assert s.treated == 12
    assert (s.baseline.count, s.baseline.n) == (12, 12)
    month_12 = next(v for v in s.visits if v.timepoint == "month_12")
    assert (month_12.due, month_12.completed.count) == (12, 9)
    assert (month_12.withdrawn, month_12.replaced, month_12.no_response) == (1, 1, 1)
    assert [v.timepoint for v in s.visits] == ["month_3", "month_6", "month_12"]
    assert (s.cell_source.count, s.dose.count, s.injections) == (12, 12, 12)
    assert s.viability.count == 0  # no cell-lab record behind these synthetic injections


def test_representativeness_compares_treated_with_every_consulted_joint(site_a, clinician_a,
                                                                         cohort):
    cohort(site_a, 10, prefix="F")
    untreated = Patient.objects.create(site=site_a, mrn="F-U1", family_name="Untreated",
                                       given_name="Una", date_of_birth=dt.date(1950, 1, 1),
                                       sex="female")
    JointEpisode.objects.create(patient=untreated, joint="knee", side="right",
                                diagnosis_code="M17.11", grade_scale="kellgren_lawrence",
                                grade=4)
    services.facts_replace(JointEpisode.objects.filter(patient=untreated), _no_outcomes(),
                           as_of=AS_OF)
    s = site_fitness(site_a, clinician_a, as_of=AS_OF)
    assert (s.consulted.n, s.treated_profile.n) == (11, 10)
    assert s.consulted.grades["KL 4"].count == 4


def _no_outcomes() -> SourceFrames:
    empty = {
        "treatments": ["episode_id", "cell_source", "dose_cells", "protocol_version",
                       "first_treated_on", "arthroplasty_on", "followed_until"],
        "scores": ["episode_id", "instrument", "subscale", "timepoint", "completed_on",
                   "value"],
        "visits": ["episode_id", "timepoint", "window_closes", "completed"],
        "injections": ["episode_id", "administered_on", "cell_source", "dose_cells",
                       "source_ref"],
        "adverse_events": ["episode_id", "injection_ref", "term", "grade", "serious",
                           "onset_on"],
    }
    return SourceFrames(**{name: pd.DataFrame(columns=cols) for name, cols in empty.items()})


def test_standardised_difference_matches_a_hand_computation():
    # means 2 and 3, variances 1 and 1: (2 - 3) / 1 = -1.
    assert standardised_difference(pd.Series([1, 2, 3]), pd.Series([2, 3, 4])) == -1.0
    assert standardised_difference(pd.Series([1]), pd.Series([2, 3])) is None


def test_the_report_renders_html_and_a_pdf_and_is_audited(as_user, clinician_a, site_a,
                                                          cohort):
    cohort(site_a, 12, prefix="F")
    client = as_user(clinician_a)
    html = client.get(reverse("registry:fitness"))
    assert html.status_code == 200
    page = html.content.decode()
    for words in ("Completeness", "Lost: withdrawn", "Representativeness",
                  "Product characterisation", "doi:10.2106/JBJS.16.00793", "Clinic A"):
        assert words in page
    pdf = client.get(reverse("registry:fitness-pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    details = set(AccessRecord.objects.filter(action=AccessAction.SEARCH)
                  .values_list("detail", flat=True))
    assert {"registry fitness-for-use report", "registry fitness-for-use report PDF"} <= details


def test_a_site_b_user_sees_only_site_b(as_user, clinician_b, site_a, site_b, cohort):
    cohort(site_a, 12, prefix="F")
    page = as_user(clinician_b).get(reverse("registry:fitness")).content.decode()
    assert "Clinic B" in page and "Clinic A" not in page
    assert "0 treated joints" in page


@pytest.mark.parametrize("name", ["registry:fitness", "registry:fitness-pdf"])
def test_roles_without_view_registry_are_refused(as_user, coordinator_a, lab_a, client, name):
    assert as_user(coordinator_a).get(reverse(name)).status_code == 403
    assert as_user(lab_a).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["registry:fitness", "registry:fitness-pdf"])
def test_anonymous_is_sent_to_sign_in_and_post_is_refused(client, analyst_a, as_user, name):
    assert client.get(reverse(name)).status_code == 302
    assert as_user(analyst_a).post(reverse(name)).status_code == 405
