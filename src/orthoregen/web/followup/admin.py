"""Admin pages for follow-up settings and records, confined to the administrator's sites."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orthoregen.web.clinic.admin import SiteScopedAdmin
from orthoregen.web.followup.models import (
    MessageTemplate,
    ScheduleProtocolVersion,
    SiteFollowUpSettings,
)

# Who validated, approved and published a version is set by its services, never typed here.
LIFECYCLE_FIELDS = ["status", "is_active", "created_by", "edited_by", "validated_at",
                    "validated_by", "reviewed_against", "approval_diff", "approved_at",
                    "approved_by", "published_at", "published_by", "copied_from"]


@admin.register(ScheduleProtocolVersion)
class ScheduleProtocolVersionAdmin(admin.ModelAdmin):
    """Drafts may be stored here (by the platform operator: admin_site.SHARED_CONFIGURATION);
    validation, approval and publication happen on the follow-up protocol pages, and a
    version past draft is read-only, so nothing approved or published changes here."""

    list_display = ["version", "site", "status", "is_active", "published_at"]
    list_filter = ["status", "is_active"]
    readonly_fields = LIFECYCLE_FIELDS

    def get_readonly_fields(self, request: HttpRequest,
                            obj: ScheduleProtocolVersion | None = None) -> list[str]:
        if obj is not None and obj.status != ScheduleProtocolVersion.Status.DRAFT:
            return ["version", "site", "definition", *LIFECYCLE_FIELDS]
        return LIFECYCLE_FIELDS

    def has_change_permission(self, request: HttpRequest,
                              obj: ScheduleProtocolVersion | None = None) -> bool:
        if obj is not None and obj.status != ScheduleProtocolVersion.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest,
                              obj: ScheduleProtocolVersion | None = None) -> bool:
        if obj is not None and obj.status != ScheduleProtocolVersion.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ScheduleProtocolVersion, form: Any,
                   change: bool) -> None:
        if not change:
            obj.created_by = request.user
        else:
            obj.edited_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SiteFollowUpSettings)
class SiteFollowUpSettingsAdmin(SiteScopedAdmin):
    list_display = ["site", "email_delay_days", "sms_delay_days", "call_delay_days",
                    "link_valid_days", "reporting_pathways"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SiteScopedAdmin):
    list_display = ["site", "channel", "subject"]
