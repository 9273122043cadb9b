from django.urls import path

from orthoregen.web.registry import evidence_views, views

app_name = "registry"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("evidence/", evidence_views.evidence_library, name="evidence"),
    path("evidence/add/", evidence_views.evidence_add, name="evidence-add"),
    path("patients/<int:patient_id>/report/", views.patient_report, name="patient-report"),
    path("patients/<int:patient_id>/report.pdf", views.patient_report_pdf,
         name="patient-report-pdf"),
]
