from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "orthoregen.web.followup"
    label = "followup"
    nav = [("Follow-up", "followup:worklist", "manage_follow_up")]

    def ready(self) -> None:
        from orthoregen.web.followup import checks  # noqa: F401  (registers system checks)

    def episode_panels(self, episodes) -> dict:
        """Show the latest scores of each joint on the patient page."""
        from orthoregen.web.followup.panels import latest_scores

        return latest_scores(episodes)

    def synth_extend(self, context) -> None:
        """Add schedules, questionnaires, reminders, adverse events and conversions."""
        from orthoregen.web.followup.synth import synth_followup

        synth_followup(context)
