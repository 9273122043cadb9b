from django.urls import path

from orthoregen.web.safety import views

app_name = "safety"
urlpatterns = [
    path("adverse-events/", views.ae_list, name="ae-list"),
    path("adverse-events/<int:event_id>/", views.ae_detail, name="ae-detail"),
    path("adverse-events/<int:event_id>/reports-done/", views.ae_reports_done,
         name="ae-reports-done"),
    path("patients/<int:patient_id>/adverse-events/new/", views.ae_create, name="ae-create"),
    path("episodes/<int:episode_id>/joint-replacement/", views.outcome_create,
         name="outcome-create"),
]
