from django.urls import path

from orthoregen.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template/<slug:kind>.csv", views.template, name="template"),
]
