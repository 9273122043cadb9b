"""A rate limit per API token, counted in Django's cache in fixed one-minute windows.

The same scheme as the portal's limit (portal/limits.py): the default cache, shared by the
workers of one machine in production, whose increments are not atomic across processes, so
a burst may slip a few calls past: enough to stop a runaway client (OWASP ASVS 4.0.3 section
11.1.4, anti-automation), not an exact quota. ORTHOREGEN_API_LIMIT_PER_TOKEN calls a minute;
0 turns the limit off.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def token_call_allowed(prefix: str, *, now: float | None = None) -> bool:
    """Count one call of the token with this prefix; say whether it is within the limit."""
    limit = getattr(settings, "ORTHOREGEN_API_LIMIT_PER_TOKEN", 0)
    if limit <= 0:
        return True
    window = int((now if now is not None else time.time()) // WINDOW_SECONDS)
    key = f"api-limit:{window}:{prefix}"  # the prefix is not secret
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: the window's first call
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit
