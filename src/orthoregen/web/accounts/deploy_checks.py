"""Deployment checks (`orthoregen manage check --deploy`) for sign-in and outgoing links.

Listed with the other ids in docs/system-checks.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register("orthoregen", Tags.security, deploy=True)
def portal_url_check(app_configs: object = None, **kwargs: object) -> list[Warning]:
    """Warn when links in emails would not start with a public https address."""
    url = settings.ORTHOREGEN_PORTAL_URL or ""
    if url.startswith("https://"):
        return []
    return [Warning(
        "ORTHOREGEN_PORTAL_URL is not set to an https:// address"
        + (f" (it is {url!r})" if url else "")
        + ": questionnaire invitations and password reset emails need the clinic's public "
          "address, and `orthoregen remind` refuses to send without it in production.",
        hint="Set ORTHOREGEN_PORTAL_URL, e.g. https://clinic.example.org",
        id="orthoregen.W010")]


@register("orthoregen", Tags.security, deploy=True)
def second_factor_check(app_configs: object = None, **kwargs: object) -> list[Warning]:
    """Warn when staff may sign in with a password alone."""
    if settings.ORTHOREGEN_REQUIRE_MFA:
        return []
    return [Warning(
        "ORTHOREGEN_REQUIRE_MFA is false: staff reach identifiable patient records with a "
        "password alone.",
        hint="Unset ORTHOREGEN_REQUIRE_MFA (it is true by default in production).",
        id="orthoregen.W011")]
