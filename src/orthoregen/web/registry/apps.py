from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "orthoregen.web.registry"
    label = "registry"
    # nav = [("Label", "registry:url-name", "action from accounts.roles.Action or None")]
