"""The patient progress report, its PDF and the cohort dashboard: content, access and audit."""

import pytest
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db


def test_clinician_sees_the_progress_report_with_charts(as_user, clinician_a, treated_patient_a):
    response = as_user(clinician_a).get(reverse("registry:patient-report",
                                                args=[treated_patient_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('src="data:image/svg+xml;base64,') >= 3
    assert "Before treatment your score was" in html
    assert "cannot show whether the injection caused" in html
    record = AccessRecord.objects.get(patient=treated_patient_a)
    assert (record.action, record.user, record.detail) == (AccessAction.VIEW, clinician_a,
                                                          "progress report")


def test_progress_report_pdf_is_a_pdf_and_is_audited(as_user, coordinator_a, treated_patient_a):
    response = as_user(coordinator_a).get(reverse("registry:patient-report-pdf",
                                                  args=[treated_patient_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessRecord.objects.filter(patient=treated_patient_a, action=AccessAction.VIEW,
                                       detail="progress report PDF").count() == 1


def test_dashboard_renders_every_section_with_charts(as_user, clinician_a, site_a, cohort):
    cohort(site_a, 40, arthroplasty_every=10)
    response = as_user(clinician_a).get(reverse("registry:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Change from baseline", "Responders", "OMERACT-OARSI",
                    "Beside the published trials", "Adverse events per 100 injections",
                    "Free of joint replacement", "Response and loss to follow-up"):
        assert heading in html
    # Change, survival, evidence and the published reference bands.
    assert html.count('src="data:image/svg+xml;base64,') == 4
    assert "Registry results are uncontrolled" in html
    assert "Too few patients to conclude" not in html


def test_report_of_a_patient_not_yet_treated_says_so(as_user, clinician_a, patient_a):
    # The 500 this once raised is caught by the next test: this module's autouse fixtures
    # stub the follow-up source, so here the page only proves it renders without data.
    for name in ("registry:patient-report", "registry:patient-report-pdf"):
        response = as_user(clinician_a).get(reverse(name, args=[patient_a.pk]))
        assert response.status_code == 200, name


def test_injections_of_episodes_without_any_schedule_are_an_empty_table(patient_a):
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.registry.sources import SOURCE_INJECTION_COLUMNS, read_source

    injections = read_source(JointEpisode.objects.filter(patient=patient_a)).injections
    assert injections.empty and list(injections.columns) == SOURCE_INJECTION_COLUMNS
