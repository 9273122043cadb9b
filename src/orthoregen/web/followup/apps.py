from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "orthoregen.web.followup"
    label = "followup"
    # nav = [("Label", "followup:url-name", "action from accounts.roles.Action or None")]
