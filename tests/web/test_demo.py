"""The demo clinic: the users it prints are the users it makes, with the access described."""

import datetime as dt

import pytest

from orthoregen.web import demo
from orthoregen.web.accounts.admin import is_platform_operator
from orthoregen.web.accounts.models import User
from orthoregen.web.clinic.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_users_match_what_the_terminal_says(monkeypatch):
    monkeypatch.setattr(demo, "PATIENTS", {"riverside": 3, "northgate": 2})
    demo.demo_create(as_of=dt.date(2026, 6, 30))
    printed = demo.demo_credentials()
    for username, role, _, _, codes in demo.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert (user.role, sorted(user.sites.values_list("code", flat=True))) == (
            role, sorted(codes))
        assert username in printed
    assert is_platform_operator(User.objects.get(username="operator"))
    assert not is_platform_operator(User.objects.get(username="admin"))
    assert "no site: platform operator" in printed
    assert Patient.objects.count() == 5
