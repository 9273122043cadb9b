"""Read-only admin pages for the audit trail: access records and every change to patient data.

Like every page of patient data they show the administrator's own sites only, superusers
included: an access record or a history row names the patient and what changed. The platform
operator (a superuser at no site, accounts.admin) sees every access record, as the one who
answers for the trail as a whole. The access records can be exported as CSV, with their
hashes, so an auditor can check the chain outside the application.
"""

import csv
from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

from orthoregen.web.accounts.admin import ViewOnlyAdmin, is_platform_operator
from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.audit.services import access_record

CSV_COLUMNS = ["sequence", "at", "user", "action", "patient", "site", "path", "ip_address",
               "detail", "previous_hash", "record_hash"]


class ReadOnlyAdmin(ViewOnlyAdmin):
    # The role table, not Django's per-model permissions, says who reads patient data; the
    # admin site admits the administrator role alone (admin_site.py).
    def has_module_permission(self, request):
        return request.user.may(Action.VIEW_PATIENT)

    def has_view_permission(self, request, obj=None):
        return request.user.may(Action.VIEW_PATIENT)


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "at", "user", "action", "patient", "site", "ip_address", "path"]
    list_filter = ["action"]
    search_fields = ["user__username", "patient__mrn", "patient__family_name"]
    date_hierarchy = "at"

    actions = ["export_csv"]

    def get_queryset(self, request):
        records = super().get_queryset(request).select_related("user", "patient", "site")
        user = request.user
        if is_platform_operator(user):
            return records
        if not (user.is_active and user.is_authenticated):
            return records.none()
        mine = user.sites.all()
        no_patient = Q(patient__isnull=True)
        return records.filter(
            Q(patient__site__in=mine)
            | no_patient & Q(site__in=mine)
            | no_patient & Q(site__isnull=True, user__in=_colleagues(user))
            # An export's or a refusal's record names no patient and no search terms: shown
            # to the administrators of any site its user works at.
            | no_patient & Q(site__isnull=True, action__in=[AccessAction.EXPORT,
                                                           AccessAction.DENIED],
                             user__in=User.objects.filter(sites__in=mine)))

    @admin.action(description="Export the selected access records as CSV")
    def export_csv(self, request, queryset):
        records = queryset.order_by("sequence")
        response = HttpResponse(content_type="text/csv")
        name = f"orthoregen-access-records-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for record in records.iterator(chunk_size=2000):
            writer.writerow([_cell(value) for value in (
                record.sequence, record.at.isoformat(), record.user or "", record.action,
                record.patient or "", record.site or "", record.path, record.ip_address or "",
                record.detail, record.previous_hash, record.record_hash)])
        access_record(request, AccessAction.EXPORT,
                      detail=f"access records CSV: {records.count()} records")
        return response


def _cell(value: object) -> str:
    """Return a CSV cell a spreadsheet will not run: a search term may start with '='."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _colleagues(user):
    """Staff who work only at the user's sites. Records naming no patient (searches, exports)
    are shown for these alone, as a search's terms may name another site's patient."""
    mine = user.sites.all()
    return User.objects.filter(sites__in=mine).exclude(
        sites__in=Site.objects.exclude(pk__in=mine))


def history_admin(model: Any) -> None:
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
