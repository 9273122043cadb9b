"""Admin pages for sites, staff and site licences, confined to the administrator's sites.

A site's staff see its patients (accounts.access.scope), so whoever grants a site opens its
patients. The policy, for anyone who reaches these pages (Django's staff status and user
permissions, or a superuser, decide that much):

- A **platform operator** is an active superuser who works at no site. Working at no site,
  they see no patient. They alone create and delete sites, see every member of staff,
  grant any site, make someone a superuser and change groups and permissions.
  ``manage.py createsuperuser`` makes the first; only an operator can make another.
- Everyone else (a clinic administrator: a superuser who works at a site, like the demo's,
  or staff given the user permissions) is confined to their sites. They see and edit only
  staff with at least one site, all of them theirs: never an operator, and never a
  colleague who also works elsewhere, whose password they could otherwise reset to reach
  that other site. They grant only sites they have, and a member of staff they edit keeps
  at least one (untick "active" to end someone's access), since a superuser left with no
  site would become an operator. They see, and may rename, only their own sites and
  licences.
- Nobody changes their own access (sites, role, active, staff or superuser status, groups,
  permissions): another administrator must, so no one can widen their own reach.

A field someone may not change is shown read-only; a request that posts it anyway is
refused whole (403), nothing saved.

Two actions on the staff list serve sign-in: unlock someone locked out by wrong passwords
(django-axes), and reset a lost second factor so they enrol again (never one's own). The
failed sign-ins themselves name staff of every site, so only the operator sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, ManyToManyField, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from orthoregen.web.accounts.models import InstrumentLicence, Site, User
from orthoregen.web.accounts.second_factor import second_factor_reset
from orthoregen.web.accounts.signatures import Signature, SigningRefusal

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    # The mixin below is only ever mixed into a ModelAdmin; this tells mypy so.
    _ModelAdminMixin = admin.ModelAdmin[Any]
else:
    _ModelAdminMixin = object

OWN_ACCESS = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions", "role",
              "sites"]
OPERATOR_ONLY = ["is_superuser", "groups", "user_permissions"]


def is_platform_operator(user: User | AnonymousUser) -> bool:
    """Say whether ``user`` runs the platform: an active superuser who works at no site."""
    return (user.is_authenticated and user.is_active and user.is_superuser
            and not user.sites.exists())


def _operates(request: HttpRequest) -> bool:
    # Kept on the request so that the many admin hooks of one page ask the database once.
    if not hasattr(request, "_is_platform_operator"):
        request._is_platform_operator = is_platform_operator(request.user)  # type: ignore[attr-defined]  # a cache HttpRequest does not declare
    return bool(request._is_platform_operator)  # type: ignore[attr-defined]  # set just above


def staff_only_at(sites):
    """Select staff who work at one or more sites, every one of them among ``sites``."""
    memberships = User.sites.through.objects.filter(user_id=OuterRef("pk"))
    return Exists(memberships) & ~Exists(memberships.exclude(site__in=sites))


class ChoicesOfRecords(forms.ModelMultipleChoiceField):
    """Several records chosen by id, where an id too large for any database integer is
    refused as not one of the choices: SQLite cannot even look it up (OverflowError, a 500
    on the staff and group pages before this)."""

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)
        except OverflowError:
            raise ValidationError(gettext("No record has an id that large."),
                                  code="invalid_pk_value") from None


class ChoosesRecordsById(_ModelAdminMixin):
    """Use ChoicesOfRecords for the admin's many-to-many fields (sites, groups, permissions)."""

    formfield_overrides = {ManyToManyField: {"form_class": ChoicesOfRecords}}


class RefusesReadOnlyPosts(_ModelAdminMixin):
    """Refuse (403, nothing saved) a change that posts a field shown read-only."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id)) if object_id else None
            posted = set(self.get_readonly_fields(request, obj)) & set(request.POST)
            if posted:
                raise PermissionDenied(gettext("You may not change %(fields)s.")
                                       % {"fields": ", ".join(sorted(posted))})
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        sites = super().get_queryset(request)
        return sites if _operates(request) else sites.filter(staff=request.user)

    def has_add_permission(self, request):
        return _operates(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return _operates(request) and super().has_delete_permission(request, obj)


@admin.register(User)
class StaffAdmin(ChoosesRecordsById, RefusesReadOnlyPosts, UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", ("sites", admin.RelatedOnlyFieldListFilter)]
    fieldsets = [*(UserAdmin.fieldsets or ()), ("Clinic", {"fields": ["role", "sites"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("Clinic", {"fields": ["role", "sites"]})]
    filter_horizontal = ["sites", "groups", "user_permissions"]
    actions = ["sign_in_unlock", "second_factor_remove"]

    def get_queryset(self, request):
        staff = super().get_queryset(request)
        if _operates(request):
            return staff
        return staff.filter(staff_only_at(request.user.sites.all()))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += OWN_ACCESS
        elif not _operates(request):
            readonly += OPERATOR_ONLY
        return list(dict.fromkeys(readonly))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        confined = db_field.name == "sites" and not _operates(request)
        if confined:
            kwargs["queryset"] = request.user.sites.all()
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if confined and field is not None:
            field.required = True
            field.error_messages.update(
                required="Give at least one of your sites. To end someone's access, untick "
                         "“Active” instead.",
                invalid_choice="You can grant only the sites you work at yourself.")
        return field

    @admin.action(description="Unlock sign-in (after too many wrong passwords)")
    def sign_in_unlock(self, request, queryset):
        for member in queryset:
            axes_reset(username=member.get_username())
        self.message_user(request, f"Unlocked sign-in for {_names(queryset)}.")

    @admin.action(description="Reset second factor (lost phone): enrol again at next sign-in")
    def second_factor_remove(self, request, queryset):
        # Like the rest of one's own access, one's own second factor is another's to reset.
        others = [member for member in queryset if member.pk != request.user.pk]
        if len(others) < len(queryset):
            self.message_user(request, "Your own second factor must be reset by another "
                              "administrator.", level=messages.WARNING)
        for member in others:
            second_factor_reset(member)
        if others:
            self.message_user(request, f"Reset the second factor of {_names(others)}; each "
                              "sets up an authenticator app again at next sign-in.")


if admin.site.is_registered(Group):  # django.contrib.auth's own page, with its permissions
    admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(ChoosesRecordsById, GroupAdmin):
    pass


def _names(members: Iterable[User]) -> str:
    return ", ".join(member.get_username() for member in members)


# django-otp's own device pages would show every site's staff and let their keys be edited;
# a second factor is reset from the staff list instead. (settings.py lists the django-otp
# apps before this one, so their pages are registered by the time this runs.)
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(AccessAttempt)
class SignInLockAdmin(admin.ModelAdmin):
    """Failed sign-ins counted by django-axes; deleting a row unlocks it.

    Only a platform operator sees them: they name staff of every site and the addresses they
    sign in from. A clinic administrator unlocks their own staff with the staff list's action.
    """

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info",
                       "failures_since_start", "attempt_time"]
    exclude = ["get_data", "post_data", "http_accept"]

    def has_module_permission(self, request):
        return _operates(request)

    def has_view_permission(self, request, obj=None):
        return _operates(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return _operates(request)


@admin.register(InstrumentLicence)
class InstrumentLicenceAdmin(admin.ModelAdmin):
    list_display = ["instrument_id", "site", "licence_reference", "valid_from", "valid_until"]
    list_filter = [("site", admin.RelatedOnlyFieldListFilter), "instrument_id"]

    def get_queryset(self, request):
        licences = super().get_queryset(request)
        return licences if _operates(request) else licences.filter(site__staff=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "site" and not _operates(request):
            kwargs["queryset"] = request.user.sites.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows only ever written by the services (a trail, a signature, an access record): the
    admin shows them and never adds, changes or deletes one."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SigningTrailAdmin(ViewOnlyAdmin):
    """Read-only: signatures and refused signings are only ever added, by the services.

    Shown for signers who work only at the administrator's sites (the operator sees all)."""

    person: str  # the field naming the member of staff, set by each subclass

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("content_type")
        return rows if _operates(request) else rows.filter(
            **{f"{self.person}__in": User.objects.filter(staff_only_at(request.user.sites.all()))})


@admin.register(Signature)
class SignatureAdmin(SigningTrailAdmin):
    person = "signer"
    list_display = ["signed_at", "printed_name", "meaning", "content_type", "object_id",
                    "second_factor_verified"]
    list_filter = ["meaning"]
    date_hierarchy = "signed_at"


@admin.register(SigningRefusal)
class SigningRefusalAdmin(SigningTrailAdmin):
    person = "user"
    list_display = ["at", "user", "reason", "meaning", "content_type", "object_id", "detail"]
    list_filter = ["reason", "meaning"]
    date_hierarchy = "at"
