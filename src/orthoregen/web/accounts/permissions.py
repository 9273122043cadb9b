"""What a staff page needs, declared on the view rather than called inside it.

The pattern of Django's ``contrib.auth.decorators.permission_required`` and healthchecks'
``require_sudo_mode``: the decorator sends an anonymous visitor to the login page, then
refuses (403) a user whose role the one table in ``roles.PERMITTED`` does not allow, before
the view reads anything, so a refused role never learns whether a patient exists. It records
the actions on the view, so that tests/web/test_permissions.py can list what every page
needs and fail on a page that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from orthoregen.web.accounts.roles import Action

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

# Marked for translation; a page shows it translated, the API and FHIR send it as written.
REFUSAL = gettext_noop("Your role does not allow this.")

View = Callable[..., Any]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view guarded by requires() or requires_any() receives.

    Only for annotations: login_required has already sent anonymous visitors away, so the
    user is a member of staff, never AnonymousUser (the django-stubs recipe).
    """

    user: User


def staff_user(request: HttpRequest) -> User:
    """Return the signed-in user of an admin page or hook, refusing an anonymous visitor.

    The admin site has sent anonymous visitors to its login page before any ModelAdmin
    hook runs; this says so to the type checker, and refuses (403) if it ever did not.
    """
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied(gettext(REFUSAL))
    return user


def requires(action: Action) -> Callable[[View], View]:
    """Let a view run only for a logged-in user whose role may perform ``action``."""
    def decorator(view: View) -> View:
        guarded = requires_any(action)(view)
        guarded.required_action = action  # type: ignore[attr-defined]
        return guarded
    return decorator


def requires_any(*actions: Action) -> Callable[[View], View]:
    """Let a view run only for a logged-in user whose role may perform one of ``actions``.

    For the few pages that serve two roles' work, e.g. the adverse-event list that both the
    clinicians recording events and the coordinators running follow-up read.
    """
    if not actions:
        raise ValueError("Name at least one action.")

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not any(request.user.may(action) for action in actions):
                raise PermissionDenied(gettext(REFUSAL))
            return view(request, *args, **kwargs)

        guarded = login_required(checked)
        guarded.required_actions = actions  # type: ignore[attr-defined]
        return guarded
    return decorator
