from django.urls import path

from orthoregen.web.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.evidence_library, name="library"),
    path("add/", views.evidence_add, name="add"),
]
