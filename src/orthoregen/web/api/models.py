"""Per-user API tokens, and the stored answers that make retried writes idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

# The areas a token's scopes name, each read or write. A token never widens what its user's
# role and sites allow (accounts.roles, accounts.access.scope): it can only narrow it.
AREAS: dict[str, str] = {
    "patients": "Patients and their joint episodes",
    "consultation": "Candidacy decisions and consents",
    "cellbank": "Product units and their chain of custody",
    "procedures": "Injection procedures",
    "followup": "Scheduled visits, questionnaire responses and scores, outcome events",
    "safety": "Adverse events",
}
SCOPE_CHOICES = [(f"{area}:{mode}", f"{label}: {mode}")
                 for area, label in AREAS.items() for mode in ("read", "write")]

MAX_LIFETIME = timedelta(days=365)


class ApiToken(models.Model):
    """A bearer token a member of staff gives a partner system to act as them.

    Only a SHA-256 digest of the token is stored. A slow password hash (PBKDF2, Argon2) guards
    secrets people choose, which are guessable; this secret is 256 bits from the operating
    system's CSPRNG (Python's ``secrets``), so no dictionary exists to try and a brute-force
    search of 2**256 is out of reach whatever the hash's speed: a fast, unsalted digest loses
    nothing here and keeps each API call cheap. NIST SP 800-63B §5.1.1.2 asks salting and key
    stretching for memorized secrets, which this is not. The prefix, which is not secret, finds
    the row and is shown in lists so that a user can tell tokens apart.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. 'EHR bridge'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)  # hex SHA-256 of the token
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, editable=False, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        known = {value for value, _ in SCOPE_CHOICES}
        if not isinstance(self.scopes, list) or not set(self.scopes) <= known:
            raise ValidationError({"scopes": "Unknown scope."})
        if self.expires_at is not None:
            start = self.created_at or timezone.now()
            if self.expires_at <= start:
                raise ValidationError({"expires_at": "The expiry must be in the future."})
            if self.expires_at > start + MAX_LIFETIME:
                raise ValidationError(
                    {"expires_at": f"A token lives at most {MAX_LIFETIME.days} days."})

    @property
    def is_active(self) -> bool:
        """Say whether the token is neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotentResponse(models.Model):
    """The answer to a write sent with an Idempotency-Key, replayed when the key comes again.

    Keyed by user and key, so that two partners cannot collide; the request's hash refuses the
    same key sent with a different body (the IETF httpapi Idempotency-Key draft, section 2.7).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_unique_per_user")]
