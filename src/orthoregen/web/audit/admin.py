"""Read-only admin pages for the audit trail: access records and every change to patient data."""

from django.contrib import admin

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.access import scope
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "patient", "ip_address", "path"]
    list_filter = ["action"]
    search_fields = ["user__username", "patient__mrn", "patient__family_name"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        records = super().get_queryset(request).select_related("user", "patient")
        if request.user.is_superuser:
            return records
        return scope(records, request.user)


def _history_admin(model, site_path: str):
    """Register a read-only list of one model's historical rows (who changed what, when)."""
    historical = model.history.model

    class HistoryAdmin(ReadOnlyAdmin):
        list_display = ["history_date", "history_user", "history_type", "id", "__str__"]
        list_filter = ["history_type"]
        date_hierarchy = "history_date"

        def get_queryset(self, request):
            rows = super().get_queryset(request).select_related("history_user")
            if request.user.is_superuser:
                return rows
            return rows.filter(**{f"{site_path}__in": request.user.sites.all()})

    admin.site.register(historical, HistoryAdmin)


_history_admin(Patient, "site")
_history_admin(JointEpisode, "patient__site")
_history_admin(Encounter, "episode__patient__site")
