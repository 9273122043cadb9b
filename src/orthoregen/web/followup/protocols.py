"""The active follow-up protocol version, seeded from the scheduling defaults on first use."""

from __future__ import annotations

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
