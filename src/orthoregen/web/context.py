"""Template context shared by every staff page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from orthoregen import __version__
from orthoregen.web import stages
from orthoregen.web.accounts.roles import Action


def orthoregen(request: HttpRequest) -> dict[str, Any]:
    """Add the version, the mode and what the user's role permits (`can.edit_patient`…)."""
    user = getattr(request, "user", None)
    can = {action.value: bool(user and user.is_authenticated and user.may(action))
           for action in Action}
    return {"orthoregen_version": __version__, "orthoregen_mode": settings.MODE, "can": can,
            "nav_items": nav_items(request, can)}


def nav_items(request: HttpRequest, can: dict[str, bool]) -> list[dict[str, Any]]:
    """Return the main navigation the user's role may follow, each stage's in pathway order."""
    current = getattr(getattr(request, "resolver_match", None), "namespace", "")
    return [{"label": link.label, "url": reverse(link.url_name),
             "current": bool(current) and link.url_name.startswith(current + ":")}
            for link in stages.nav_links(can)]
