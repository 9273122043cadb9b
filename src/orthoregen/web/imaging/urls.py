from django.urls import path

from orthoregen.web.imaging import views

app_name = "imaging"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("studies/<int:study_id>/", views.study_detail, name="study"),
    path("studies/<int:study_id>/measures/", views.measure_enter, name="measure"),
]
