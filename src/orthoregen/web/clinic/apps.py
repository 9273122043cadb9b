from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "orthoregen.web.clinic"
    label = "clinic"
    verbose_name = "Clinic"
