from django.urls import path

from orthoregen.web.followup import ae_views, views

app_name = "followup"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("response-rates/", views.rates, name="rates"),
    path("episodes/<int:episode_id>/", views.episode_schedule, name="schedule"),
    path("episodes/<int:episode_id>/start/", views.schedule_start, name="schedule-start"),
    path("episodes/<int:episode_id>/joint-replacement/", views.outcome_create,
         name="outcome-create"),
    path("visits/<int:visit_id>/link/", views.link_create, name="link-create"),
    path("visits/<int:visit_id>/done/", views.visit_done, name="visit-done"),
    path("tasks/<int:task_id>/close/", views.task_close, name="task-close"),
    path("patients/<int:patient_id>/withdraw/", views.withdrawal_create,
         name="withdrawal-create"),
    path("templates/<str:channel>/", views.template_edit, name="template-edit"),
    path("adverse-events/", ae_views.ae_list, name="ae-list"),
    path("adverse-events/<int:event_id>/", ae_views.ae_detail, name="ae-detail"),
    path("adverse-events/<int:event_id>/reports-done/", ae_views.ae_reports_done,
         name="ae-reports-done"),
    path("patients/<int:patient_id>/adverse-events/new/", ae_views.ae_create, name="ae-create"),
]
