"""The one place that confines patient data to the sites a user belongs to.

Every view, form, admin page and export that reads patient data goes through scope();
a model holding patient data declares SITE_PATH, the lookup from it to its Site.
site_ids() gives the user's site ids as values, read once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.db.models.manager import Manager
from django.http import Http404
from django.utils.translation import gettext

from orthoregen.web.accounts.roles import Action

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

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
        raise Http404(gettext("No such record."))
    try:
        return scope(queryset, user).get(**lookup)
    except ObjectDoesNotExist:  # get() raises only the model's own DoesNotExist
        raise Http404(gettext("No such record.")) from None


# The site ids read during the current request, by user id; None outside a request.
_request_site_ids: ContextVar[dict[int, list[int]] | None] = ContextVar(
    "orthoregen_request_site_ids", default=None)


def site_ids(user: User) -> list[int]:
    """Return the ids of the user's sites as values, read at most once per request.

    "site IN (1, 2)" lets PostgreSQL walk a site-first index in order and stop after a page,
    where "site IN (SELECT ... user_sites)" made it read and sort every row of the site
    (bench/README.md, follow-up worklist). The ids live for one request only (RequestCache
    below), never on the user object, which may outlive a change of membership; outside a
    request (commands, benchmarks) they are read on every call.
    """
    cache = _request_site_ids.get()
    if cache is None:
        return list(user.sites.values_list("pk", flat=True))
    ids = cache.get(user.pk)
    if ids is None:
        ids = cache[user.pk] = list(user.sites.values_list("pk", flat=True))
    return ids


def forget_site_ids(**_signal: Any) -> None:
    """Drop this request's site ids: a membership changed (receiver of m2m_changed)."""
    cache = _request_site_ids.get()
    if cache is not None:
        cache.clear()


@contextmanager
def request_cache() -> Iterator[None]:
    """Give the code inside its own, empty cache of site ids, dropped on leaving."""
    token = _request_site_ids.set({})
    try:
        yield
    finally:
        _request_site_ids.reset(token)


class RequestCache:
    """Middleware: each request reads the user's site ids afresh, and at most once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_cache():
            return self.get_response(request)
