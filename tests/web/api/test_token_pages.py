"""Staff pages for API tokens: made with the secret shown once, listed, revoked."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.web.conftest import make_user

from orthoregen.web.api.models import ApiToken
from orthoregen.web.api.tokens import issue_token

pytestmark = pytest.mark.django_db


def form(**changes):
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    return {"name": "EHR bridge", "scopes": ["patients:read", "safety:write"],
            "expires_on": expires, **changes}


def test_a_token_is_made_and_its_secret_shown_once(as_user, clinician_a, client):
    page = as_user(clinician_a).post("/api/tokens/new/", form())
    assert page.status_code == 201
    token = ApiToken.objects.get()
    secret = page.context["issued"].secret
    assert secret.encode() in page.content
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    assert (token.user, token.scopes) == (clinician_a, ["patients:read", "safety:write"])
    listing = client.get("/api/tokens/")
    assert f"ort_{token.prefix}_".encode() in listing.content
    assert secret.encode() not in listing.content
    # The token works at once against the API.
    api = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200


@pytest.mark.parametrize(("changes", "field"), [
    ({"expires_on": "2000-01-01"}, "expires_on"),
    ({"expires_on": (dt.date.today() + dt.timedelta(days=400)).isoformat()}, "expires_on"),
    ({"scopes": ["everything:write"]}, "scopes"),
    ({"name": ""}, "name"),
])
def test_a_bad_token_form_is_refused_naming_the_field(as_user, clinician_a, changes, field):
    page = as_user(clinician_a).post("/api/tokens/new/", form(**changes))
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token(as_user, clinician_a):
    token = issue_token(user=clinician_a, name="x", scopes=[],
                        expires_at=timezone.now() + dt.timedelta(days=1)).token
    response = as_user(clinician_a).post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == clinician_a


def test_an_administrator_revokes_any_token_of_their_site_but_not_another(
        as_user, admin_a, clinician_a, clinician_b, client):
    mine = issue_token(user=clinician_a, name="x", scopes=[],
                       expires_at=timezone.now() + dt.timedelta(days=1)).token
    theirs = issue_token(user=clinician_b, name="y", scopes=[],
                         expires_at=timezone.now() + dt.timedelta(days=1)).token
    listing = as_user(admin_a).get("/api/tokens/")
    assert mine.prefix.encode() in listing.content and theirs.prefix.encode() not in listing.content
    assert client.post(f"/api/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/api/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_by == admin_a and theirs.revoked_at is None


def test_a_colleague_cannot_see_or_revoke_anothers_token(as_user, clinician_a, site_a, client):
    colleague = make_user("colleague", "coordinator", site_a)
    token = issue_token(user=clinician_a, name="x", scopes=[],
                        expires_at=timezone.now() + dt.timedelta(days=1)).token
    as_user(colleague)
    assert token.prefix.encode() not in client.get("/api/tokens/").content
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404


def test_the_analyst_has_no_token_pages(as_user, analyst_a):
    assert as_user(analyst_a).get("/api/tokens/").status_code == 403
