"""Template context shared by every staff page."""

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from orthoregen import __version__
from orthoregen.web.accounts.roles import Action


def orthoregen(request):
    """Add the version, the mode and what the user's role permits (`can.edit_patient`…)."""
    user = getattr(request, "user", None)
    can = {action.value: bool(user and user.is_authenticated and user.may(action))
           for action in Action}
    return {"orthoregen_version": __version__, "orthoregen_mode": settings.MODE, "can": can,
            "nav_items": nav_items(request, can)}


def nav_items(request, can: dict[str, bool]) -> list[dict]:
    """Collect the main navigation from each app's `nav` list of (label, url name, action).

    Apps contribute their own entries, so adding an area never edits a shared template.
    """
    current = getattr(getattr(request, "resolver_match", None), "namespace", "")
    items = []
    for config in apps.get_app_configs():
        for label, url_name, action in getattr(config, "nav", ()):
            if action is not None and not can.get(action):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url,
                          "current": current and url_name.startswith(current + ":")})
    return items
