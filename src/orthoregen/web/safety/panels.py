"""What the safety stage shows on pages of earlier stages (declared in web/stages.py)."""

from __future__ import annotations

from orthoregen.web.accounts.access import scope
from orthoregen.web.safety.models import AdverseEvent
from orthoregen.web.safety.services import open_serious_events


def serious_events_alert(user) -> dict | None:
    """Return the worklist's box of serious events with reports outstanding, if any."""
    serious = open_serious_events(scope(AdverseEvent.objects.select_related("patient"), user))
    serious = list(serious[:10])
    if not serious:
        return None
    return {"template": "safety/_serious_banner.html", "serious": serious}
