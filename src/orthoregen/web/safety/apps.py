from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "orthoregen.web.safety"
    label = "safety"
    verbose_name = "Safety: adverse events and joint replacements"
