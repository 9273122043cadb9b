from django.urls import path

from orthoregen.web.procedures import views

app_name = "procedures"
urlpatterns = [
    path("patients/<int:patient_id>/new/", views.procedure_start, name="start"),
    path("<int:procedure_id>/", views.procedure_detail, name="detail"),
    path("<int:procedure_id>/joints/<int:pj_id>/", views.procedure_joint_update,
         name="joint-update"),
    path("<int:procedure_id>/joints/<int:pj_id>/administration/", views.administration_record,
         name="administration-record"),
    path("units/<int:unit_id>/thaw/", views.unit_thaw, name="unit-thaw"),
]
