"""Template context shared by every staff page."""

from django.conf import settings

from orthoregen import __version__
from orthoregen.web.accounts.roles import Action


def orthoregen(request):
    """Add the version, the mode and what the user's role permits (`can.edit_patient`…)."""
    user = getattr(request, "user", None)
    can = {action.value: bool(user and user.is_authenticated and user.may(action))
           for action in Action}
    return {"orthoregen_version": __version__, "orthoregen_mode": settings.MODE, "can": can}
