"""Admin pages for consultation records, confined to the administrator's sites.

Protocol versions, decisions and consent records are immutable once published or made, so
their admin pages are read-only; protocols are edited through the staff pages, where the
JSON is validated rule by rule.
"""

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest

from orthoregen.web.accounts.permissions import staff_user
from orthoregen.web.accounts.roles import Action
from orthoregen.web.clinic.admin import ReadOnlyHistoryAdmin, SiteScopedAdmin
from orthoregen.web.consultation.models import (
    CandidacyDecision,
    ConsentDocument,
    ConsentRecord,
    Intake,
    ProtocolVersion,
)


class ReadOnlyAdmin(SiteScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Intake)
class IntakeAdmin(ReadOnlyAdmin):
    list_display = ["episode", "recorded_on", "entered_by", "entered_at"]
    raw_id_fields = ["episode"]


@admin.register(CandidacyDecision)
class CandidacyDecisionAdmin(ReadOnlyAdmin):
    list_display = ["episode", "decided_on", "kind", "outcome", "protocol", "decided_by"]
    list_filter = ["kind", "outcome"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["episode", "consented_on", "document", "taken_by", "withdrawn_on"]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(SiteScopedAdmin):
    """Consent texts: editable while an unused draft; published or used ones are read-only.

    Permission follows the role table (Action.MANAGE_PROTOCOLS), not Django's per-model
    permissions, so every clinic administrator may manage the texts of their own sites.
    """

    list_display = ["title", "version", "site", "published", "sha256"]
    readonly_fields = ["sha256"]
    fields = ["site", "title", "version", "text", "published", "sha256"]

    def _manages(self, request: HttpRequest) -> bool:
        return staff_user(request).may(Action.MANAGE_PROTOCOLS)

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request)

    def has_add_permission(self, request):
        return self._manages(request)

    def has_change_permission(self, request, obj=None):
        return self._manages(request) and (obj is None or not obj.is_locked())

    def has_delete_permission(self, request, obj=None):
        return self._manages(request) and (obj is None or not obj.is_locked())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(ReadOnlyHistoryAdmin):
    """Read-only: a published version never changes, drafts are edited on the staff pages."""

    list_display = ["name", "version", "status", "site", "published_at"]
    list_filter = ["status"]

    def get_queryset(self, request):
        sites = request.user.sites.all()
        return super().get_queryset(request).filter(Q(site__isnull=True) | Q(site__in=sites))

    def has_module_permission(self, request):
        return request.user.may(Action.MANAGE_PROTOCOLS)

    def has_view_permission(self, request, obj=None):
        return request.user.may(Action.MANAGE_PROTOCOLS)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
