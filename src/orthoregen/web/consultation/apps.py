from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "orthoregen.web.consultation"
    label = "consultation"
    # nav = [("Label", "consultation:url-name", "action from accounts.roles.Action or None")]
