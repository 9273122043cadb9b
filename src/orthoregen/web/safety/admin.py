"""Admin pages for safety records, confined to the administrator's sites."""

from django.contrib import admin

from orthoregen.web.accounts.models import SiteSafetyLead
from orthoregen.web.clinic.admin import SiteScopedAdmin
from orthoregen.web.safety.models import AdverseEvent


@admin.register(AdverseEvent)
class AdverseEventAdmin(SiteScopedAdmin):
    list_display = ["patient", "term", "onset_on", "ctcae_grade", "reports_done_on"]
    raw_id_fields = ["patient", "episode"]


# The safety lead is a site's setting (accounts), managed here with the events it is told of.
@admin.register(SiteSafetyLead)
class SiteSafetyLeadAdmin(SiteScopedAdmin):
    list_display = ["site", "user"]
