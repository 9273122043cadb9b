"""Admin pages for consultation records, confined to the administrator's sites.

Protocol versions, consent documents, decisions and consent records are immutable once
published or made, so their admin pages are read-only; protocols and consent documents are
edited through the staff pages, where their lifecycle (consultation.governance) is kept.
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


class NoWrites:
    """Nothing is added, changed or deleted in the admin: the staff pages' services do that."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, SiteScopedAdmin):
    pass


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
class ConsentDocumentAdmin(ReadOnlyAdmin):
    """Consent texts, read-only: drafts are written, validated, approved by a second person
    and published (both signed) on the consent document pages (consent_documents), so no
    text or lifecycle field can change here around those steps.

    Reading follows the role table (Action.MANAGE_PROTOCOLS), not Django's per-model
    permissions, so every clinic administrator may read the texts of their own sites.
    """

    list_display = ["title", "version", "site", "status", "published_at", "sha256"]
    list_filter = ["status"]
    fields = ["site", "title", "version", "text", "sha256", "status", "created_by", "created_at",
              "edited_by", "validated_at", "validated_by", "reviewed_against", "approval_diff",
              "approved_at", "approved_by", "published_at", "published_by"]
    readonly_fields = fields

    def _manages(self, request: HttpRequest) -> bool:
        return staff_user(request).may(Action.MANAGE_PROTOCOLS)

    def has_module_permission(self, request):
        return self._manages(request)

    def has_view_permission(self, request, obj=None):
        return self._manages(request)


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(NoWrites, ReadOnlyHistoryAdmin):
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
