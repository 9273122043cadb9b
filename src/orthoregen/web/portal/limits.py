"""A small rate limit on the portal, per private link and per address, in Django's cache.

Staff sign-in is limited by django-axes; the portal has no sign-in, so this bounds how fast
one address can try links, or one link be hammered (OWASP ASVS 4.0.3 section 11.1.4,
anti-automation). Counts are kept in fixed ten-minute windows in the default cache, which in
production is a file cache shared by every worker on the machine. Its increments are not
atomic across processes, so a burst may slip a few requests past the limit: enough to stop
automation, not meant as an exact quota. Links are counted under a hash, so no token is
written to the cache's files.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orthoregen.web.audit.services import client_address

WINDOW_SECONDS = 10 * 60


def _counted(kind: str, value: str, limit: int, now: float) -> bool:
    """Count one request against ``value``; say whether it is still within ``limit``."""
    if limit <= 0:  # 0 turns this limit off
        return True
    window = int(now // WINDOW_SECONDS)
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"portal-limit:{kind}:{window}:{digest}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the window's first request
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit


def portal_request_allowed(request: HttpRequest, token: str | None = None) -> bool:
    """Count a portal request by address and, if it carries one, by link; say if it may run."""
    now = time.time()
    by_address = _counted("address", client_address(request) or "unknown",
                          settings.ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS, now)
    by_link = token is None or _counted("link", token,
                                        settings.ORTHOREGEN_PORTAL_LIMIT_PER_LINK, now)
    return by_address and by_link


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with a friendly page when the address or the link is over its limit."""
    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not portal_request_allowed(request, kwargs.get("token")):
            response = render(request, "portal/busy.html", status=429)
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        return view(request, *args, **kwargs)
    return limited
