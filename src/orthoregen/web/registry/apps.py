from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "orthoregen.web.registry"
    label = "registry"
    verbose_name = "Outcomes registry"
