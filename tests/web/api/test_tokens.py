"""Bearer tokens: issued once, stored hashed, refused when unknown, expired or revoked."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone
from tests.web.conftest import make_user

from orthoregen.web.api.models import ApiToken
from orthoregen.web.api.tokens import (
    TokenRefused,
    bearer_user,
    issue_token,
    revoke_token,
    token_allows,
)

pytestmark = pytest.mark.django_db


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def request_with(header: str | None):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return RequestFactory().get("/api/v1/patients", **extra)


def test_the_secret_is_shown_once_and_only_its_digest_is_stored(clinician_a):
    issued = issue_token(user=clinician_a, name="EHR", scopes=["patients:read"],
                         expires_at=in_days(30))
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith(f"ort_{stored.prefix}_")
    assert issued.secret not in str(stored.__dict__)
    assert stored.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    # 256 bits in URL-safe base64 are 43 characters (RFC 4648 section 5).
    assert len(issued.secret.removeprefix(f"ort_{stored.prefix}_")) >= 43


def test_a_valid_token_names_its_user_and_sets_request_user(clinician_a):
    issued = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    request = request_with(f"Bearer {issued.secret}")
    assert bearer_user(request) == clinician_a
    assert request.user == clinician_a
    assert request.api_token.pk == issued.token.pk
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None


def test_no_bearer_header_is_no_user():
    assert bearer_user(request_with(None)) is None
    assert bearer_user(request_with("Basic dXNlcjpwYXNz")) is None


@pytest.mark.parametrize("header", ["Bearer ", "Bearer nonsense", "Bearer ort_abcd",
                                    "Bearer ort_00000000_" + "x" * 43])
def test_malformed_or_unknown_tokens_are_refused(header, clinician_a):
    issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    with pytest.raises(TokenRefused):
        bearer_user(request_with(header))


def test_a_right_prefix_with_a_wrong_secret_is_refused(clinician_a):
    issued = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    # Change the last character to another one: a secret ending in "A" (1 in 64) would
    # otherwise be "changed" into itself, and the test would fail by chance.
    wrong = issued.secret[:-1] + ("B" if issued.secret.endswith("A") else "A")
    assert wrong != issued.secret
    with pytest.raises(TokenRefused, match="not known"):
        bearer_user(request_with(f"Bearer {wrong}"))


def test_expired_and_revoked_tokens_are_refused(clinician_a):
    issued = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=in_days(-0.001))
    with pytest.raises(TokenRefused, match="expired"):
        bearer_user(request_with(f"Bearer {issued.secret}"))
    other = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    revoke_token(token=other.token, by=clinician_a)
    with pytest.raises(TokenRefused, match="revoked"):
        bearer_user(request_with(f"Bearer {other.secret}"))


def test_an_inactive_users_token_is_refused(clinician_a):
    issued = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1))
    clinician_a.is_active = False
    clinician_a.save()
    with pytest.raises(TokenRefused):
        bearer_user(request_with(f"Bearer {issued.secret}"))


def test_expiry_is_required_in_the_future_and_within_a_year(clinician_a):
    with pytest.raises(ValidationError):
        issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(366))
    with pytest.raises(ValidationError):
        issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(-1))
    with pytest.raises(ValidationError):
        issue_token(user=clinician_a, name="EHR", scopes=["everything:write"],
                    expires_at=in_days(1))


def test_scopes_are_read_or_write_per_area_and_write_implies_read(clinician_a):
    token = issue_token(user=clinician_a, name="EHR", scopes=["patients:read", "safety:write"],
                        expires_at=in_days(1)).token
    assert token_allows(token, area="patients", write=False)
    assert not token_allows(token, area="patients", write=True)
    assert token_allows(token, area="safety", write=True)
    assert token_allows(token, area="safety", write=False)
    assert not token_allows(token, area="followup", write=False)
    with pytest.raises(ValueError):
        token_allows(token, area="nowhere", write=False)


def test_only_the_owner_or_an_administrator_of_their_site_revokes(clinician_a, admin_a,
                                                                   coordinator_a, site_b):
    token = issue_token(user=clinician_a, name="EHR", scopes=[], expires_at=in_days(1)).token
    with pytest.raises(PermissionDenied):
        revoke_token(token=token, by=coordinator_a)
    admin_b = make_user("admin_b", "admin", site_b)
    with pytest.raises(PermissionDenied):
        revoke_token(token=token, by=admin_b)
    revoke_token(token=token, by=admin_a)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_a
