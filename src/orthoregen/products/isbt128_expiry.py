"""ISBT 128 expiration date and time, Data Structure 005 `&>cyyjjjhhmm`.

Source: ICCBBA ST-001 v6.2.2, Data Structure 005: c century, yy year, jjj ordinal day, hhmm
0000-2359 local time of the assigning facility; year = 2000 + 100c + yy (Fig. 21 prints
`0180292359` beside "Expiry Date 29 JAN 2018"); docs/standards.md#expiration-date-and-time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DATA_IDENTIFIER = "&>"
_CONTENT = re.compile(r"^(\d)(\d{2})(\d{3})(\d{2})(\d{2})$")


def encode_expiration(expires_at: datetime, facility_zone: ZoneInfo) -> str:
    """Return DS005 data for an expiry instant, in the facility's local time."""
    if expires_at.tzinfo is None:
        raise ValueError("expiry needs a time zone")
    local = expires_at.astimezone(facility_zone)
    if local.year < 2000:
        raise ValueError("DS005 starts at the year 2000")
    century, yy = divmod(local.year - 2000, 100)
    ordinal = local.timetuple().tm_yday
    return f"{DATA_IDENTIFIER}{century}{yy:02d}{ordinal:03d}{local:%H%M}"


def parse_expiration(data: str, facility_zone: ZoneInfo) -> datetime:
    """Read DS005 data (with or without `&>`) as an instant in the facility's zone."""
    content = data.strip().removeprefix(DATA_IDENTIFIER)
    match = _CONTENT.match(content)
    if not match:
        raise ValueError(f"{data!r} is not DS005 expiration data (&>cyyjjjhhmm)")
    century, yy, ordinal, hour, minute = (int(part) for part in match.groups())
    year = 2000 + 100 * century + yy
    start = datetime(year, 1, 1, tzinfo=facility_zone)
    day = start + timedelta(days=ordinal - 1)
    if day.year != year or hour > 23 or minute > 59:
        raise ValueError(f"{data!r} names day {ordinal} at {hour:02d}{minute:02d}: no such time")
    return day.replace(hour=hour, minute=minute)
