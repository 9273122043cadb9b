from django.urls import path

from orthoregen.web.consultation import protocol_views, views

app_name = "consultation"
urlpatterns = [
    path("episodes/<int:episode_id>/", views.episode, name="episode"),
    path("episodes/<int:episode_id>/intake/", views.intake_edit, name="intake-edit"),
    path("patients/<int:patient_id>/history/", views.patient_history, name="patient-history"),
    path("episodes/<int:episode_id>/decide/", views.decide, name="decide"),
    path("episodes/<int:episode_id>/consent/", views.consent_record, name="consent-record"),
    path("episodes/<int:episode_id>/consent/<int:consent_id>/withdraw/", views.consent_withdraw,
         name="consent-withdraw"),
    path("episodes/<int:episode_id>/consent/<int:consent_id>/print/", views.consent_print,
         name="consent-print"),
    path("protocols/", protocol_views.protocol_list, name="protocols"),
    path("protocols/<int:protocol_id>/", protocol_views.protocol_detail, name="protocol-detail"),
    path("protocols/<int:protocol_id>/copy/", protocol_views.protocol_copy, name="protocol-copy"),
    path("protocols/<int:protocol_id>/edit/", protocol_views.protocol_edit, name="protocol-edit"),
    path("protocols/<int:protocol_id>/rules/<str:rule_id>/", protocol_views.protocol_rule_edit,
         name="protocol-rule-edit"),
    path("protocols/<int:protocol_id>/publish/", protocol_views.protocol_publish,
         name="protocol-publish"),
    path("protocols/<int:protocol_id>/validate/", protocol_views.protocol_validate,
         name="protocol-validate"),
    path("protocols/<int:protocol_id>/review/", protocol_views.protocol_review,
         name="protocol-review"),
    path("protocols/<int:protocol_id>/approve/", protocol_views.protocol_approve,
         name="protocol-approve"),
]
