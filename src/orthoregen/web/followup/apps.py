from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "orthoregen.web.followup"
    label = "followup"

    def synth_extend(self, context) -> None:
        """Add schedules, questionnaires, reminders, adverse events and conversions."""
        from orthoregen.web.followup.synth import synth_followup

        synth_followup(context)
