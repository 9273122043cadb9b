"""Django admin, open only to the clinic administrator role, and obeying the role table.

The admin's per-model permissions come from accounts.roles.PERMITTED, as the staff pages'
do, not from Django's per-model permissions (which every superuser holds): the table below
names the action that adding or changing each model's rows needs, so an administrator,
whose role may not record adverse events, reads them here but cannot change their grade.
Clinical records are never hard-deleted through the admin, by anyone: of site data only
the site configuration listed below may be deleted. Site-shared configuration (follow-up
schedule protocols, default candidacy protocols, staff-added evidence) is changed by the
platform operator alone. The site mixes RoleTableAdmin into every model admin it
registers, so a new admin class obeys the table without remembering to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from orthoregen.web.accounts.roles import Action, Role

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest

    from orthoregen.web.accounts.models import User

    # The mixin's methods call the model admin's own through super().
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object

# Model label -> the action that adding or changing its rows in the admin needs. A model of
# site data (SITE_PATH) missing here is read-only in the admin (tests/web/audit).
CHANGE_ACTION: dict[str, Action] = {
    "clinic.patient": Action.EDIT_PATIENT,
    "clinic.jointepisode": Action.EDIT_EPISODE,
    "clinic.encounter": Action.EDIT_ENCOUNTER,
    "consultation.intake": Action.ENTER_INTAKE,
    "consultation.candidacydecision": Action.DECIDE_CANDIDACY,
    "consultation.consentrecord": Action.RECORD_CONSENT,
    "consultation.consentdocument": Action.MANAGE_PROTOCOLS,
    "cellbank.donor": Action.MANAGE_PRODUCTS,
    "cellbank.donortest": Action.MANAGE_PRODUCTS,
    "cellbank.harvest": Action.MANAGE_PRODUCTS,
    "cellbank.productunit": Action.MANAGE_PRODUCTS,
    "cellbank.releasespecversion": Action.MANAGE_PRODUCTS,
    "cellbank.qcresult": Action.MANAGE_PRODUCTS,
    "cellbank.custodyevent": Action.MANAGE_PRODUCTS,
    "cellbank.productinvestigation": Action.MANAGE_PRODUCTS,
    "cellbank.investigationfinding": Action.MANAGE_PRODUCTS,
    "cellbank.investigationrecipient": Action.MANAGE_PRODUCTS,
    "cellbank.sitecelllabsettings": Action.MANAGE_PRODUCTS,
    "cellbank.procedure": Action.RECORD_PROCEDURE,
    "cellbank.procedurejoint": Action.RECORD_PROCEDURE,
    "cellbank.bedsidecheckattempt": Action.RECORD_PROCEDURE,
    "cellbank.administration": Action.RECORD_PROCEDURE,
    "safety.adverseevent": Action.RECORD_ADVERSE_EVENT,
    # A site's own settings and texts: the administrator's action in the table.
    "followup.sitefollowupsettings": Action.MANAGE_PROTOCOLS,
    "followup.messagetemplate": Action.MANAGE_PROTOCOLS,
    "accounts.sitesafetylead": Action.MANAGE_PROTOCOLS,
    "imaging.siteimagingsettings": Action.MANAGE_PROTOCOLS,  # never deleted: it holds the key
    "imaging.mristudy": Action.MANAGE_FOLLOW_UP,  # read-only fields: received, never edited
    "imaging.structuralmeasure": Action.READ_IMAGING,  # read-only: corrected on its page
}

# Site data that may be deleted in the admin (by those who may change it); every other
# model of site data is a clinical record and is never hard-deleted here.
SITE_CONFIGURATION: frozenset[str] = frozenset({
    "followup.sitefollowupsettings", "followup.messagetemplate", "accounts.sitesafetylead",
    "consultation.consentdocument",  # unused drafts only (its admin refuses the rest)
})

# Shared by every site: changed (and deleted) by the platform operator alone.
SHARED_CONFIGURATION: frozenset[str] = frozenset({
    "followup.scheduleprotocolversion", "consultation.protocolversion", "evidence.addedstudy",
})


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def is_site_data(model: type[Model]) -> bool:
    return hasattr(model, "SITE_PATH")


def may_change(user: User, model: type[Model]) -> bool:
    """Say whether the role table lets ``user`` add or change ``model``'s rows in the admin."""
    # Imported here: accounts.admin registers its pages on this site as it loads.
    from orthoregen.web.accounts.admin import is_platform_operator

    label = _label(model)
    if label in SHARED_CONFIGURATION:
        return is_platform_operator(user)
    action = CHANGE_ACTION.get(label)
    return action is not None and user.may(action)


def may_delete(user: User, model: type[Model]) -> bool:
    """Say whether ``user`` may delete ``model``'s rows in the admin: never a clinical record."""
    label = _label(model)
    if is_site_data(model) and label not in SITE_CONFIGURATION:
        return False
    return may_change(user, model)


def is_governed(model: type[Model]) -> bool:
    label = _label(model)
    return is_site_data(model) or label in CHANGE_ACTION or label in SHARED_CONFIGURATION


def _user(request: HttpRequest) -> User:
    # The admin asks for permissions only once has_permission admitted a staff user.
    return cast("User", request.user)


class RoleTableAdmin(_ModelAdmin):
    """The role table's answer, and-ed with the model admin's own (e.g. read-only fields of
    a cell-lab record, a published consent text). Models of no site data and no entry above
    (staff, sites, licences) keep their admin's own rules."""

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_view_permission(request, obj)
        if not is_governed(self.model) or _label(self.model) in SHARED_CONFIGURATION:
            return allowed
        return _user(request).may(Action.VIEW_PATIENT) and allowed

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        allowed = super().has_add_permission(request, *args)
        return allowed if not is_governed(self.model) else (
            may_change(_user(request), self.model) and allowed)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed if not is_governed(self.model) else (
            may_change(_user(request), self.model) and allowed)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed if not is_governed(self.model) else (
            may_delete(_user(request), self.model) and allowed)


class OrthoregenAdminSite(admin.AdminSite):
    site_header = "orthoregen administration"
    site_title = "orthoregen admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.role == Role.ADMIN)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register a model admin with the role table's permissions mixed in (see above)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, RoleTableAdmin):
            admin_class = type(admin_class.__name__, (RoleTableAdmin, admin_class),
                               {"__module__": admin_class.__module__,
                                "__doc__": admin_class.__doc__})
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """List the apps only for someone admitted: never on the login page itself.

        Django builds the list for every admin page, the login page included, by asking each
        model admin; ours ask the user's role (``user.may``), which an anonymous visitor does
        not have, so listing for them ended in a 500.
        """
        if not self.has_permission(request):
            return []
        return super().get_app_list(request, app_label)


class OrthoregenAdminConfig(AdminConfig):
    default_site = "orthoregen.web.admin_site.OrthoregenAdminSite"
