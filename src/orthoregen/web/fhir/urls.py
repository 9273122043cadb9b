from django.urls import path

from orthoregen.web.fhir import export_views, views

app_name = "fhir"
urlpatterns = [
    path("r4/", views.base, name="base"),
    path("r4/metadata", views.metadata, name="metadata"),
    path("r4/$export", export_views.kickoff, name="export"),
    path("r4/bulk/<str:job_id>", export_views.status, name="export-status"),
    path("r4/bulk/<str:job_id>/<str:file_name>", export_views.file, name="export-file"),
    path("r4/<str:resource_type>", views.search_type, name="search"),
    path("r4/<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
