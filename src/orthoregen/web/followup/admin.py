"""Admin pages for follow-up settings and records, confined to the administrator's sites."""

from django.contrib import admin

from orthoregen.web.clinic.admin import SiteScopedAdmin
from orthoregen.web.followup.models import (
    MessageTemplate,
    ScheduleProtocolVersion,
    SiteFollowUpSettings,
)


@admin.register(ScheduleProtocolVersion)
class ScheduleProtocolVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "is_active", "created_at"]


@admin.register(SiteFollowUpSettings)
class SiteFollowUpSettingsAdmin(SiteScopedAdmin):
    list_display = ["site", "email_delay_days", "sms_delay_days", "call_delay_days",
                    "link_valid_days", "reporting_pathways"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SiteScopedAdmin):
    list_display = ["site", "channel", "subject"]
