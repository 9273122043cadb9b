"""Who may open outcome pages: reports are identifiable (VIEW_PATIENT, own site), the
dashboard is for VIEW_REGISTRY and counts only the user's sites."""

import pytest
from django.urls import reverse

from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db

REPORT_URLS = ["registry:patient-report", "registry:patient-report-pdf"]


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize("user", ["clinician_a", "coordinator_a"])
def test_site_staff_open_the_report(request, as_user, url, user, treated_patient_a):
    response = as_user(request.getfixturevalue(user)).get(reverse(url, args=[treated_patient_a.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize("user", ["clinician_b", "analyst_a"])
def test_other_site_and_analysts_get_404_and_leave_no_view(request, as_user, url, user,
                                                           treated_patient_a):
    response = as_user(request.getfixturevalue(user)).get(reverse(url, args=[treated_patient_a.pk]))
    assert response.status_code == 404
    assert not AccessRecord.objects.filter(patient=treated_patient_a).exists()


@pytest.mark.parametrize("url", REPORT_URLS)
def test_anonymous_report_goes_to_login(client, url, treated_patient_a):
    response = client.get(reverse(url, args=[treated_patient_a.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_report_refuses_post(as_user, clinician_a, treated_patient_a):
    response = as_user(clinician_a).post(reverse("registry:patient-report",
                                                 args=[treated_patient_a.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("user", ["coordinator_a", "lab_a"])
def test_roles_without_view_registry_get_403(request, as_user, user):
    assert as_user(request.getfixturevalue(user)).get(reverse("registry:dashboard")) \
        .status_code == 403


def test_analyst_sees_the_dashboard_and_it_is_audited(as_user, analyst_a, site_a, cohort):
    cohort(site_a, 25)
    response = as_user(analyst_a).get(reverse("registry:dashboard"), {"joint": "knee"})
    assert response.status_code == 200
    assert response.context["summary"].n_patients == 25
    record = AccessRecord.objects.get(action=AccessAction.SEARCH)
    assert record.user == analyst_a and "joint=knee" in record.detail


def test_dashboard_counts_only_the_users_sites(as_user, clinician_b, site_a, site_b, cohort):
    cohort(site_a, 25, prefix="A")
    cohort(site_b, 3, prefix="B")
    response = as_user(clinician_b).get(reverse("registry:dashboard"))
    assert response.context["summary"].n_patients == 3


def test_dashboard_refuses_another_sites_filter(as_user, clinician_b, site_a, cohort):
    cohort(site_a, 5)
    response = as_user(clinician_b).get(reverse("registry:dashboard"), {"site": site_a.pk})
    assert response.status_code == 400
    assert "summary" not in response.context
    assert not AccessRecord.objects.exists()


def test_analyst_of_two_sites_sees_both_or_one(as_user, site_a, site_b, cohort):
    from orthoregen.web.accounts.models import User

    analyst = User.objects.create_user("two_sites", password="x" * 14, role=Role.ANALYST)
    analyst.sites.set([site_a, site_b])
    cohort(site_a, 4, prefix="A")
    cohort(site_b, 3, prefix="B")
    client = as_user(analyst)
    assert client.get(reverse("registry:dashboard")).context["summary"].n_patients == 7
    one = client.get(reverse("registry:dashboard"), {"site": site_b.pk})
    assert one.context["summary"].n_patients == 3


def test_staff_with_no_site_see_an_empty_dashboard(as_user, site_a, cohort):
    """A platform operator, or staff not yet given a site: nothing to show, never a 500."""
    from orthoregen.web.accounts.models import User

    cohort(site_a, 3)
    for role in (Role.ANALYST, Role.ADMIN):
        user = User.objects.create_user(f"nowhere_{role}", password="x" * 14, role=role,
                                        is_superuser=role == Role.ADMIN)
        response = as_user(user).get(reverse("registry:dashboard"))
        assert response.status_code == 200
        assert response.context["summary"].n_patients == 0


def test_bad_period_is_a_field_error(as_user, clinician_a):
    response = as_user(clinician_a).get(reverse("registry:dashboard"),
                                        {"treated_from": "2026-05-01", "treated_to": "2026-01-01"})
    assert response.status_code == 400
    assert "The end of the period is before its start." in response.content.decode()


def test_small_cohort_says_too_few_instead_of_drawing_intervals(as_user, clinician_a, site_a,
                                                                cohort):
    cohort(site_a, 6, arthroplasty_every=3)
    response = as_user(clinician_a).get(reverse("registry:dashboard"))
    html = response.content.decode()
    assert "Too few patients to conclude: 6 injected joints" in html
    assert "too few to conclude" in html
    assert "Too few injected joints (6) to draw a survival curve." in html
    assert "survival_chart" not in response.context
    assert all(row["too_thin"] for row in response.context["change_rows"])
