from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from orthoregen.web.accounts import views as accounts
from orthoregen.web.clinic import views as clinic
from orthoregen.web.home import home

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/second-factor/", accounts.enrol, name="second-factor-enrol"),
    path("account/second-factor/verify/", accounts.verify,
         name="second-factor-verify"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("patients/", clinic.patient_list, name="patient-list"),
    path("patients/new/", clinic.patient_edit, name="patient-create"),
    path("day/", clinic.day_list, name="day-list"),
    path("patients/<int:patient_id>/", clinic.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/edit/", clinic.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/episodes/new/", clinic.episode_edit, name="episode-create"),
    path("patients/<int:patient_id>/episodes/<int:episode_id>/edit/", clinic.episode_edit,
         name="episode-edit"),
    path("episodes/<int:episode_id>/encounters/new/", clinic.encounter_edit,
         name="encounter-create"),
    path("episodes/<int:episode_id>/encounters/<int:encounter_id>/edit/", clinic.encounter_edit,
         name="encounter-edit"),
    path("consultation/", include("orthoregen.web.consultation.urls")),
    path("cellbank/", include("orthoregen.web.cellbank.urls")),
    path("procedures/", include("orthoregen.web.procedures.urls")),
    path("followup/", include("orthoregen.web.followup.urls")),
    path("safety/", include("orthoregen.web.safety.urls")),
    path("portal/", include("orthoregen.web.portal.urls")),
    path("evidence/", include("orthoregen.web.evidence.urls")),
    path("registry/", include("orthoregen.web.registry.urls")),
    path("imaging/", include("orthoregen.web.imaging.urls")),
    path("imports/", include("orthoregen.web.imports.urls")),
    path("api/", include("orthoregen.web.api.urls")),
    path("fhir/", include("orthoregen.web.fhir.urls")),
    path("admin/", admin.site.urls),
]

# A calm page with a reference for any unhandled error; 503 when the database is down.
handler500 = "orthoregen.web.errors.server_error"
