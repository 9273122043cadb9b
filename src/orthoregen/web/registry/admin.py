"""Administrators correct or remove staff-added studies; every version is kept, never restored.

Added studies belong to no site (the literature is shared by the registry), so the admin is
not site-scoped; the fact tables are never edited by hand and are not registered.
"""

from django.contrib import admin

from orthoregen.web.clinic.admin import ReadOnlyHistoryAdmin
from orthoregen.web.registry.evidence_models import AddedResult, AddedStudy


class AddedResultInline(admin.TabularInline):
    model = AddedResult
    extra = 0


@admin.register(AddedStudy)
class AddedStudyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["study", "joint", "design_class", "verification", "added_by", "added_at"]
    list_filter = ["joint", "verification", "design_class"]
    search_fields = ["study", "citation"]
    readonly_fields = ["added_by", "added_at", "updated_at"]
    inlines = [AddedResultInline]
