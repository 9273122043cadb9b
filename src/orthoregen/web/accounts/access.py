"""The one place that confines patient data to the sites a user belongs to.

Every view, form, admin page and export that reads patient data goes through scope();
a model holding patient data declares SITE_PATH, the lookup from it to its Site.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from orthoregen.web.accounts.roles import Action


def scope(queryset: QuerySet, user) -> QuerySet:
    """Return the rows of a patient-data queryset that belong to the user's sites."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    site_path = queryset.model.SITE_PATH
    return queryset.filter(**{f"{site_path}__in": user.sites.all()})


def get_visible_or_404(queryset: QuerySet, user, **lookup) -> Model:
    """Return one row the user may see, or raise 404 so other sites' records stay invisible."""
    if not user.may(Action.VIEW_PATIENT):
        raise Http404("No such record.")
    try:
        return scope(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("No such record.") from None
