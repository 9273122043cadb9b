"""What the safety stage shows on pages of earlier stages (declared in web/stages.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orthoregen.web.accounts.access import scope
from orthoregen.web.safety.models import AdverseEvent
from orthoregen.web.safety.services import open_serious_events

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


def serious_events_alert(user: User) -> dict[str, Any] | None:
    """Return the worklist's box of serious events with reports outstanding, if any."""
    visible = scope(AdverseEvent.objects.select_related("patient"), user)
    serious = list(open_serious_events(visible)[:10])
    if not serious:
        return None
    return {"template": "safety/_serious_banner.html", "serious": serious}
