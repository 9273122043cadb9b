"""Read-only admin pages for the audit trail: access records and every change to patient data.

Like every page of patient data they show the administrator's own sites only, superusers
included: an access record or a history row names the patient and what changed.
"""

from django.contrib import admin

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.models import Site, User
from orthoregen.web.audit.models import AccessRecord


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
        return scope(records, request.user) | records.filter(
            patient__isnull=True, user__in=_colleagues(request.user))


def _colleagues(user):
    """Staff who work only at the user's sites. Records naming no patient (searches, exports)
    are shown for these alone, as a search's terms may name another site's patient."""
    mine = user.sites.all()
    return User.objects.filter(sites__in=mine).exclude(
        sites__in=Site.objects.exclude(pk__in=mine))


def history_admin(model) -> None:
    """Register a read-only list of one model's historical rows (who changed what, when)."""
    historical = model.history.model

    class HistoryAdmin(ReadOnlyAdmin):
        list_display = ["history_date", "history_user", "history_type", "id", "__str__"]
        list_filter = ["history_type"]
        date_hierarchy = "history_date"

        def get_queryset(self, request):
            rows = super().get_queryset(request).select_related("history_user")
            return rows.filter(**{f"{model.SITE_PATH}__in": request.user.sites.all()})

    admin.site.register(historical, HistoryAdmin)
