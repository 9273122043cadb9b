from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "orthoregen.web.portal"
    label = "portal"
    # nav = [("Label", "portal:url-name", "action from accounts.roles.Action or None")]
