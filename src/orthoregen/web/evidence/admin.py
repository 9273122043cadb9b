"""Administrators correct or remove staff-added studies; every version is kept, never restored.

Added studies belong to no site (the literature is shared by the registry), so the admin is
not site-scoped; the fact tables are never edited by hand and are not registered.
"""

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from orthoregen.web.accounts.permissions import staff_user
from orthoregen.web.clinic.admin import ReadOnlyHistoryAdmin
from orthoregen.web.evidence.forms import AddedResultForm, AddedStudyForm
from orthoregen.web.evidence.models import AddedResult, AddedStudy


class AddedResultInline(admin.TabularInline):
    model = AddedResult
    form = AddedResultForm  # the same checks as the page: interval, time point, finite values
    extra = 0


@admin.register(AddedStudy)
class AddedStudyAdmin(ReadOnlyHistoryAdmin):
    form = AddedStudyForm
    list_display = ["study", "joint", "design_class", "verification", "added_by", "added_at"]
    list_filter = ["joint", "verification", "design_class"]
    search_fields = ["study", "citation"]
    readonly_fields = ["added_by", "added_at", "updated_at"]
    inlines = [AddedResultInline]

    def save_model(self, request: HttpRequest, obj: AddedStudy, form: ModelForm,
                   change: bool) -> None:
        if not change:  # the transcriber vouches for the study; an edit keeps who added it
            obj.added_by = staff_user(request)
        super().save_model(request, obj, form, change)
