from django.urls import path

from orthoregen.web.followup import entry_views, protocol_views, tablet, views

app_name = "followup"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("response-rates/", views.rates, name="rates"),
    path("episodes/<int:episode_id>/", views.episode_schedule, name="schedule"),
    path("episodes/<int:episode_id>/start/", views.schedule_start, name="schedule-start"),
    path("visits/<int:visit_id>/link/", views.link_create, name="link-create"),
    path("visits/<int:visit_id>/done/", views.visit_done, name="visit-done"),
    path("visits/<int:visit_id>/tablet/", tablet.tablet_open, name="tablet-open"),
    path("tasks/<int:task_id>/close/", views.task_close, name="task-close"),
    path("patients/<int:patient_id>/withdraw/", views.withdrawal_create,
         name="withdrawal-create"),
    path("templates/<str:channel>/", views.template_edit, name="template-edit"),
    path("visits/<int:visit_id>/entry/", entry_views.entry_choose, name="entry-choose"),
    path("visits/<int:visit_id>/entry/<str:instrument_id>/", entry_views.entry_create,
         name="entry-create"),
    path("visits/<int:visit_id>/responses/<int:response_id>/", entry_views.entry_detail,
         name="entry-detail"),
    path("visits/<int:visit_id>/responses/<int:response_id>/correct/",
         entry_views.entry_correct, name="entry-correct"),
    path("protocols/", protocol_views.protocol_list, name="protocols"),
    path("protocols/<int:protocol_id>/", protocol_views.protocol_detail, name="protocol-detail"),
    path("protocols/<int:protocol_id>/copy/", protocol_views.protocol_copy, name="protocol-copy"),
    path("protocols/<int:protocol_id>/edit/", protocol_views.protocol_edit, name="protocol-edit"),
    path("protocols/<int:protocol_id>/validate/", protocol_views.protocol_validate,
         name="protocol-validate"),
    path("protocols/<int:protocol_id>/review/", protocol_views.protocol_review,
         name="protocol-review"),
    path("protocols/<int:protocol_id>/approve/", protocol_views.protocol_approve,
         name="protocol-approve"),
    path("protocols/<int:protocol_id>/publish/", protocol_views.protocol_publish,
         name="protocol-publish"),
]
