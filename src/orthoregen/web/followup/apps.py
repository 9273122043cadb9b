from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "orthoregen.web.followup"
    label = "followup"

    def ready(self) -> None:
        # Importing the modules registers their system checks.
        from orthoregen.web.followup import checks, text_pack_checks  # noqa: F401
