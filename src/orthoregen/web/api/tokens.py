"""Bearer tokens: issuing, checking and revoking them. Used by the JSON API and FHIR server.

A token reads ``ort_<prefix>_<secret>``: the prefix (8 hex characters, not secret) finds the
row and names the token in lists; the secret is 256 random bits. Only the SHA-256 of the whole
token is stored (see models.ApiToken for why a fast hash is sound for it), and the digests are
compared with hmac.compare_digest, in constant time.

A token acts as its user: the user's role (accounts.roles) and sites (accounts.access.scope)
apply exactly as in the pages; the token's scopes can only narrow them, per area.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from orthoregen.web.api.models import AREAS, MAX_LIFETIME, ApiToken

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.http import HttpRequest

    from orthoregen.web.accounts.models import User

TOKEN_PREFIX = "ort_"


class TokenRefused(Exception):
    """The request carried a bearer token that is malformed, unknown, expired or revoked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which is shown once and never stored."""

    token: ApiToken
    secret: str


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(*, user: User, name: str, scopes: Iterable[str],
                expires_at: datetime) -> IssuedToken:
    """Create a token for ``user``; the returned secret is the only copy there will be."""
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 1 in 4 billion, but unique
        prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"  # 32 bytes = 256 bits
    token = ApiToken(user=user, name=name.strip(), prefix=prefix, secret_hash=_digest(raw),
                     scopes=sorted(set(scopes)), expires_at=expires_at,
                     created_at=timezone.now())
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=raw)


def revoke_token(*, token: ApiToken, by: User) -> None:
    """Revoke a token: its owner may, and an administrator of one of the owner's sites."""
    if not may_revoke(by, token):
        raise PermissionDenied("You may not revoke this token.")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = by
            locked.save(update_fields=["revoked_at", "revoked_by"])
        token.revoked_at, token.revoked_by = locked.revoked_at, locked.revoked_by


def may_revoke(user: User, token: ApiToken) -> bool:
    """The owner, or an administrator sharing a site with the owner."""
    from orthoregen.web.accounts.roles import Role

    if not user.is_active:
        return False
    if token.user_id == user.pk:
        return True
    return user.role == Role.ADMIN and token.user.sites.filter(
        pk__in=user.sites.values("pk")).exists()


def bearer_user(request: HttpRequest) -> User | None:
    """Return the user of the request's bearer token, or None if it carries none.

    Raises TokenRefused for a malformed, unknown, expired or revoked token, or one whose user
    is inactive. On success sets ``request.user`` to the token's user (so the access-trail
    middleware records the call as theirs) and ``request.api_token`` to the token.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    raw = credentials.strip()
    if not raw.startswith(TOKEN_PREFIX):
        raise TokenRefused("The bearer token is malformed.")
    prefix, sep, secret = raw[len(TOKEN_PREFIX):].partition("_")
    if not sep or not secret:
        raise TokenRefused("The bearer token is malformed.")
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # Compare a digest even when no row matched, so that the time taken says nothing.
    stored = token.secret_hash if token is not None else _digest("")
    if not hmac.compare_digest(stored, _digest(raw)) or token is None:
        raise TokenRefused("The bearer token is not known.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("The bearer token has been revoked.")
    if token.expires_at <= now:
        raise TokenRefused("The bearer token has expired.")
    if not token.user.is_active:
        raise TokenRefused("The token's user is no longer active.")
    # Written at most once a minute: one write per minute per token, not one per call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


def token_allows(token: ApiToken, *, area: str, write: bool) -> bool:
    """Say whether a token's scopes cover reading (or writing) an area; write implies read."""
    if area not in AREAS:
        raise ValueError(f"Unknown area {area!r}; known: {', '.join(AREAS)}.")
    scopes = set(token.scopes)
    if f"{area}:write" in scopes:
        return True
    return not write and f"{area}:read" in scopes


__all__ = ["AREAS", "MAX_LIFETIME", "ApiToken", "IssuedToken", "TokenRefused", "bearer_user",
           "issue_token", "may_revoke", "revoke_token", "token_allows"]
