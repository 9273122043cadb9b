from django.urls import path

from orthoregen.web.registry import dictionary_views, ichom_views, views

app_name = "registry"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("export/dictionary.csv", dictionary_views.export_dictionary, name="export-dictionary"),
    path("fitness/", views.fitness_report, name="fitness"),
    path("fitness.pdf", views.fitness_report_pdf, name="fitness-pdf"),
    path("ichom/", ichom_views.ichom_report, name="ichom"),
    path("ichom.csv", ichom_views.ichom_report_csv, name="ichom-csv"),
    path("patients/<int:patient_id>/report/", views.patient_report, name="patient-report"),
    path("patients/<int:patient_id>/report.pdf", views.patient_report_pdf,
         name="patient-report-pdf"),
]
