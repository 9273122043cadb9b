"""Follow-up protocol versions: the active one, and storing a new one.

The active version is seeded from the scheduling defaults on first use; a new version is
refused when the start-up checks would report it (web/followup/checks.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL, protocol_to_json
from orthoregen.web.followup.models import ScheduleProtocolVersion


def active_protocol() -> ScheduleProtocolVersion:
    """Return the protocol version new schedules use, storing the shipped default if none."""
    active = ScheduleProtocolVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    version, _ = ScheduleProtocolVersion.objects.get_or_create(
        version=DEFAULT_PROTOCOL.version,
        defaults={"definition": protocol_to_json(DEFAULT_PROTOCOL), "is_active": True},
    )
    return version


@transaction.atomic
def schedule_protocol_create(*, version: str, definition: Any,
                             activate: bool = False) -> ScheduleProtocolVersion:
    """Store a follow-up protocol version; with ``activate``, new schedules use it from now on.

    Refuses (ValidationError on ``definition``, nothing saved) a definition with the errors
    of orthoregen.E002 or E003, in the words the system check uses.
    """
    if activate:
        for previous in ScheduleProtocolVersion.objects.select_for_update().filter(
                is_active=True):
            previous.is_active = False
            previous.save(update_fields=["is_active"])  # one by one, for the history
    stored = ScheduleProtocolVersion(version=version, definition=definition, is_active=activate)
    stored.full_clean()
    stored.save()
    return stored
