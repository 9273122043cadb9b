"""What every staff request passes before its view: the second factor and the session's age.

Both sit after Django's AuthenticationMiddleware and django-otp's OTPMiddleware (which tells
whether this session passed a second factor) and after MessageMiddleware, so that a user
signed out for idleness is told why.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext

from orthoregen.web.accounts.second_factor import is_enrolled, is_second_factor_required
from orthoregen.web.accounts.views import with_next

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

# Pages a user who gave the password but not yet the second factor may open: the steps
# themselves, signing out, and the password reset (which grants no session).
OPEN_BEFORE_SECOND_FACTOR = frozenset({
    "login", "logout", "admin:logout", "second-factor-enrol", "second-factor-verify",
    "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete",
})
# The patient portal is not staff sign-in: its private links work in any browser.
OUTSIDE_STAFF_SIGN_IN = frozenset({"portal"})

SIGNED_IN_AT = "orthoregen_signed_in_at"
LAST_SEEN_AT = "orthoregen_last_seen_at"
# Last activity is written at most once a minute, not on every request: one session write
# a minute per user, at the cost of signing out up to a minute early.
TOUCH_EVERY_SECONDS = 60


class SecondFactorMiddleware:
    """Send a signed-in user who has not passed the second factor to enrol or verify.

    Applies to every staff page and the admin when ORTHOREGEN_REQUIRE_MFA is on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not is_second_factor_required(user) or user.is_verified():
            return None
        match = request.resolver_match
        if match.view_name in OPEN_BEFORE_SECOND_FACTOR or match.namespace in \
                OUTSIDE_STAFF_SIGN_IN:
            return None
        step = "second-factor-verify" if is_enrolled(user) else "second-factor-enrol"
        return redirect(with_next(step, request.get_full_path()))


def session_end_reason(session: SessionBase, now: float) -> str | None:
    """Say why a signed-in session must end now (idle too long, or too old), if it must."""
    idle_seconds = settings.ORTHOREGEN_SESSION_IDLE_MINUTES * 60
    if now - session.get(LAST_SEEN_AT, now) > idle_seconds:
        return gettext("You were signed out after %(minutes)s minutes without activity. Sign "
                       "in again to carry on.") % {
            "minutes": settings.ORTHOREGEN_SESSION_IDLE_MINUTES}
    if now - session.get(SIGNED_IN_AT, now) > settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE / 3600
        return gettext("You were signed out because you signed in more than %(hours)g hours "
                       "ago. Sign in again to carry on.") % {"hours": hours}
    return None


def session_touch(session: SessionBase, now: float) -> None:
    """Record activity now (at most once a minute) and, the first time, the sign-in."""
    session.setdefault(SIGNED_IN_AT, now)
    if now - session.get(LAST_SEEN_AT, 0) >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN_AT] = now


class SessionTimeoutMiddleware:
    """End a staff session idle for ORTHOREGEN_SESSION_IDLE_MINUTES or older than
    SESSION_COOKIE_AGE (OWASP ASVS 4.0.3 3.3.2; HIPAA 45 CFR 164.312(a)(2)(iii)).

    Django's own expiry slides forward whenever the session is saved, so the absolute
    lifetime is kept here, from the moment of sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        enforced = settings.ORTHOREGEN_ENFORCE_SESSION_LIMITS
        if enforced and request.user.is_authenticated:
            now = time.time()
            reason = session_end_reason(request.session, now)
            if reason is not None:
                logout(request)
                messages.info(request, reason)
                # Only a page can be returned to; a form posted now is lost either way.
                return redirect_to_login(request.get_full_path() if request.method == "GET"
                                         else resolve_url(settings.LOGIN_REDIRECT_URL))
            session_touch(request.session, now)
        response = self.get_response(request)
        if enforced and request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            session_touch(request.session, time.time())  # this request signed in
        return response
