from django.urls import path

from orthoregen.web.fhir import bulk, views

app_name = "fhir"
urlpatterns = [
    path("r4/", views.base, name="base"),
    path("r4/metadata", views.metadata, name="metadata"),
    path("r4/$export", bulk.kickoff, name="export"),
    path("r4/bulk/<str:job_id>", bulk.status, name="export-status"),
    path("r4/bulk/<str:job_id>/<str:file_name>", bulk.file, name="export-file"),
    path("r4/<str:resource_type>", views.search_type, name="search"),
    path("r4/<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
