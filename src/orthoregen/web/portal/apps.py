from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The patient portal: no staff navigation, reached only through private links."""

    name = "orthoregen.web.portal"
    label = "portal"
