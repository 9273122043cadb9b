from django.urls import path

from orthoregen.web.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("fitness/", views.fitness_report, name="fitness"),
    path("fitness.pdf", views.fitness_report_pdf, name="fitness-pdf"),
    path("patients/<int:patient_id>/report/", views.patient_report, name="patient-report"),
    path("patients/<int:patient_id>/report.pdf", views.patient_report_pdf,
         name="patient-report-pdf"),
]
