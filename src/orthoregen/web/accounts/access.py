"""The one place that confines patient data to the sites a user belongs to.

Every view, form, admin page and export that reads patient data goes through scope();
a model holding patient data declares SITE_PATH, the lookup from it to its Site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.db.models.manager import Manager
from django.http import Http404

from orthoregen.web.accounts.roles import Action

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from orthoregen.web.accounts.models import User

M = TypeVar("M", bound=Model)


def scope(queryset: QuerySet[M] | Manager[M],
          user: User | AnonymousUser | None) -> QuerySet[M]:
    """Return the rows of a patient-data queryset that belong to the user's sites."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    # SITE_PATH is the contract of each patient-data model (see above), not an attribute
    # of Model, so the type of a generic queryset's model cannot promise it.
    site_path: str = queryset.model.SITE_PATH  # type: ignore[attr-defined]
    return queryset.filter(**{f"{site_path}__in": user.sites.all()})


def get_visible_or_404(queryset: QuerySet[M], user: User, **lookup: Any) -> M:
    """Return one row the user may see, or raise 404 so other sites' records stay invisible."""
    if not user.may(Action.VIEW_PATIENT):
        raise Http404("No such record.")
    try:
        return scope(queryset, user).get(**lookup)
    except ObjectDoesNotExist:  # get() raises only the model's own DoesNotExist
        raise Http404("No such record.") from None
