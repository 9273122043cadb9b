"""Admin pages of imaging: a site's settings, and studies and reads to browse with history."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orthoregen.web.clinic.admin import SiteScopedAdmin
from orthoregen.web.imaging.models import MriStudy, SiteImagingSettings, StructuralMeasure


@admin.register(SiteImagingSettings)
class SiteImagingSettingsAdmin(SiteScopedAdmin):
    list_display = ["site", "keep_files", "retain_full_dates"]


@admin.register(MriStudy)
class MriStudyAdmin(SiteScopedAdmin):
    list_display = ["patient", "episode", "study_date", "received_via", "files_stored"]
    readonly_fields = [f.name for f in MriStudy._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StructuralMeasure)
class StructuralMeasureAdmin(SiteScopedAdmin):
    list_display = ["study", "region", "measure", "value", "read_by"]
    readonly_fields = [f.name for f in StructuralMeasure._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
