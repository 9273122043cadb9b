"""Admin pages for patient data, confined to the administrator's own sites."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orthoregen.web.clinic.access import scope
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient


class SiteScopedAdmin(SimpleHistoryAdmin):
    """Shows only rows of the administrator's sites, with each row's change history."""

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)


@admin.register(Patient)
class PatientAdmin(SiteScopedAdmin):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "site"]
    list_filter = ["site", "sex"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(JointEpisode)
class JointEpisodeAdmin(SiteScopedAdmin):
    list_display = ["patient", "joint", "side", "diagnosis_code", "grade_scale", "grade"]
    list_filter = ["joint", "side", "grade_scale"]
    raw_id_fields = ["patient"]


@admin.register(Encounter)
class EncounterAdmin(SiteScopedAdmin):
    list_display = ["episode", "kind", "occurred_on", "clinician"]
    list_filter = ["kind"]
    raw_id_fields = ["episode"]
