from django.urls import path

from orthoregen.web.portal import access_log, views

app_name = "portal"
urlpatterns = [
    path("q/<str:token>/", views.questionnaire, name="questionnaire"),
    path("results/", views.results, name="results"),
    path("results/access/", access_log.access_log, name="access-log"),
    path("done/", views.done, name="done"),
    path("tablet/", views.tablet, name="tablet"),
    path("tablet/ended/", views.tablet_ended, name="tablet-ended"),
]
