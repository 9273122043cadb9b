"""Admin pages for patient data, confined to the administrator's own sites.

Every app's admin for patient data builds on SiteScopedAdmin, so the confinement is written
once: the change list, change, delete and history pages see only the rows scope() lets
through; foreign-key choices and raw-id labels offer only the administrator's own sites and
their rows; and old versions are shown, never restored, because history is the audit trail.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.models import Site
from orthoregen.web.audit.admin import history_admin
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's pages for the rows get_queryset() shows; old versions read-only.

    simple-history would otherwise show a row outside the queryset from its history rows,
    and a POST on a version page would save that old version back over the row.
    """

    def revert_disabled(self, request, obj=None):
        return True

    # Who may read, add, change or delete is the role table's answer, which the admin site
    # mixes into every model admin (admin_site.RoleTableAdmin); Django's per-model
    # permissions, which every superuser holds, would only stand in its way.
    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, *args):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        if request.method != "GET":
            raise PermissionDenied(gettext("Old versions are shown, never restored, here."))
        request.showing_old_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if getattr(request, "showing_old_version", False):
            readonly += [field.name for field in self.model._meta.get_fields()
                         if field.concrete and field.editable and not field.primary_key
                         and field.name not in readonly]
        return readonly

    def _visible_or_404(self, request: HttpRequest, object_id: str) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404(gettext("No such record."))


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen row only when the administrator may see it."""

    def __init__(self, rel, admin_site, visible, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.visible = visible

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            shown = self.visible.filter(**{key: value}).exists()
        except (ValueError, ValidationError):
            shown = False
        return super().label_and_url_for_value(value) if shown else ("", "")


class SiteScopedAdmin(ReadOnlyHistoryAdmin):
    """Shows only rows of the administrator's sites, with each row's change history."""

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        visible = self._choices_visible(db_field.related_model, request)
        if visible is not None:
            kwargs.setdefault("queryset", visible)
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = ScopedRawIdWidget(db_field.remote_field, self.admin_site,
                                                     visible, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        visible = self._choices_visible(db_field.related_model, request)
        if visible is not None:
            kwargs.setdefault("queryset", visible)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @staticmethod
    def _choices_visible(related_model, request):
        """The rows a form may offer or accept for a relation, or None if not site data."""
        if related_model is Site:
            return request.user.sites.all()
        if hasattr(related_model, "SITE_PATH"):
            return scope(related_model._default_manager.all(), request.user)
        return None


@admin.register(Patient)
class PatientAdmin(SiteScopedAdmin):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "site"]
    list_filter = [("site", admin.RelatedOnlyFieldListFilter), "sex"]
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


# Every change to the clinic's records, read-only, for the administrator's sites.
for _model in (Patient, JointEpisode, Encounter):
    history_admin(_model)
