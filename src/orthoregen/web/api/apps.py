from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API at /api/v1/ for partner systems, with per-user tokens."""

    name = "orthoregen.web.api"
    label = "api"
    verbose_name = "Api"
