from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orthoregen.web.accounts.models import InstrumentLicence, Site, User


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "sites"]
    fieldsets = [*UserAdmin.fieldsets, ("Clinic", {"fields": ["role", "sites"]})]
    filter_horizontal = ["sites", "groups", "user_permissions"]


@admin.register(InstrumentLicence)
class InstrumentLicenceAdmin(admin.ModelAdmin):
    list_display = ["instrument_id", "site", "licence_reference", "valid_from", "valid_until"]
    list_filter = ["site", "instrument_id"]

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)
