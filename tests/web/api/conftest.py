"""Tokens for the API tests: every scope, or the ones a test names."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.api.models import SCOPE_CHOICES
from orthoregen.web.api.tokens import issue_token

EVERY_SCOPE = [value for value, _ in SCOPE_CHOICES]


def token_for(user, scopes=EVERY_SCOPE, days: float = 30) -> str:
    return issue_token(user=user, name="test", scopes=scopes,
                       expires_at=timezone.now() + dt.timedelta(days=days)).secret


@pytest.fixture
def call(client):
    """Call the API with a token: call(token, "get", "/api/v1/patients", data=..., headers=...)."""

    def request(token, method, path, data=None, headers=None):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        if method == "get":
            return client.get(path, data or {}, **extra)
        return getattr(client, method)(path, data, content_type="application/json", **extra)

    return request
