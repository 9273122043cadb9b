"""Sign-in steps after the password: the second factor, and the password reset by email.

The password itself goes through Django's LoginView, counted by django-axes. These pages
are open to a user who has given the password but not yet the second factor; the middleware
(accounts.middleware.SecondFactorMiddleware) sends such a user nowhere else.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from orthoregen.web.accounts.forms import AuthenticatorConfirmForm, SecondFactorCodeForm
from orthoregen.web.accounts.second_factor import (
    authenticator_confirm,
    authenticator_pending,
    is_enrolled,
    key_text,
    qr_code_data_uri,
    second_factor_verify,
    second_factor_wait_until,
)
from orthoregen.web.mail import portal_base_url

log = logging.getLogger(__name__)
LOW_RECOVERY_CODES = 3


def next_url(request: HttpRequest) -> str:
    """Return the page to go on to, if it is on this site; else the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def with_next(url_name: str, next_page: str) -> str:
    """Return the address of a sign-in step that carries on to ``next_page``."""
    return f"{reverse(url_name)}?{urlencode({'next': next_page})}"


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator app: QR code and key, a code to confirm, then recovery codes."""
    user, next_page = request.user, next_url(request)
    if is_enrolled(user):
        return redirect(next_page if user.is_verified()
                        else with_next("second-factor-verify", next_page))
    form = AuthenticatorConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = authenticator_confirm(user=user, code=form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            request.session.cycle_key()
            otp_login(request, device)
            log.info("user %s enrolled an authenticator app", user.pk)
            # Shown once, on this response only: the codes are not kept anywhere to show again.
            return render(request, "registration/recovery_codes.html",
                          {"codes": codes, "next": next_page})
        form.add_error("code", gettext("That code was not accepted. Check that the app shows "
                                       "orthoregen and type the six digits it shows now."))
    device = authenticator_pending(user)
    return render(request, "registration/second_factor_enrol.html", {
        "form": form, "next": next_page, "key": key_text(device),
        "qr_code": qr_code_data_uri(device.config_url)})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask for a code from the authenticator app, or one recovery code."""
    user, next_page = request.user, next_url(request)
    if not is_enrolled(user):
        return redirect(with_next("second-factor-enrol", next_page))
    if user.is_verified():
        return redirect(next_page)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        wait_until = second_factor_wait_until(user=user, code=code)
        device = None if wait_until else second_factor_verify(user=user, code=code)
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            _warn_if_few_recovery_codes(request, device)
            return redirect(next_page)
        log.warning("second factor refused for user %s", user.pk)
        form.add_error("code", _refusal(wait_until))
    return render(request, "registration/second_factor_verify.html",
                  {"form": form, "next": next_page})


def _refusal(wait_until: dt.datetime | None) -> str:
    if wait_until is None:
        return gettext("That code was not accepted. Type the six digits the app shows now, or "
                       "one of your recovery codes.")
    return gettext("Too many wrong codes. Try again after %(time)s.") % {
        "time": date_format(timezone.localtime(wait_until), "H:i:s")}


def _warn_if_few_recovery_codes(request: HttpRequest, device: object) -> None:
    if not isinstance(device, StaticDevice):
        return
    left = device.token_set.count()
    level = messages.WARNING if left <= LOW_RECOVERY_CODES else messages.INFO
    messages.add_message(request, level, ngettext(
        "You used a recovery code; %(left)s left. Ask your administrator to reset your second "
        "factor if your phone is lost.",
        "You used a recovery code; %(left)s left. Ask your administrator to reset your second "
        "factor if your phone is lost.", left) % {"left": left})


def sign_in_locked(request, original_response=None, credentials=None):
    """Tell a locked-out user what happened and whom to ask (django-axes' lockout response).

    429, as for any refusal to let a client keep trying; never a stack trace.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    return render(request, "registration/locked.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email, with the link on the public address (ORTHOREGEN_PORTAL_URL).

    Django's form answers the same whether or not the address belongs to anyone, and sends
    only to active staff with a usable password, so the page never tells who has an account.
    """

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {"base_url": portal_base_url(self.request)}
        return super().form_valid(form)
