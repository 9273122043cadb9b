"""Wrong passwords lock sign-in (django-axes); an administrator unlocks it.

ASVS 4.0.3 2.2.1 bounds failed attempts on one account; settings lock after
ORTHOREGEN_LOGIN_FAILURE_LIMIT (10) wrong passwords, by user name and by address.
"""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role

LIMIT = 10


def wrong_passwords(sign_in, user, times: int) -> None:
    for attempt in range(times):
        response = sign_in(user, password=f"wrong-password-{attempt}")
        assert response.status_code in (200, 429)


@pytest.fixture
def operator(db):
    """The platform operator: a superuser who works at no site."""
    return User.objects.create_user("operator", password="x", role=Role.ADMIN, is_staff=True,
                                    is_superuser=True)


@pytest.fixture
def clinic_admin(site_a):
    admin = User.objects.create_user("helen", password="x", role=Role.ADMIN, is_staff=True,
                                     is_superuser=True)
    admin.sites.set([site_a])
    return admin


def test_the_limit_is_ten(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT


def test_nine_wrong_passwords_then_the_right_one_signs_in(sign_in, client, clinician_a):
    wrong_passwords(sign_in, clinician_a, LIMIT - 1)
    assert sign_in(clinician_a)["Location"] == "/patients/"
    # A sign-in that succeeds clears the count: the limit is on wrong passwords in a row.
    assert not AccessAttempt.objects.filter(username="clinician_a").exists()


def test_ten_wrong_passwords_lock_and_the_right_one_then_fails(sign_in, client, clinician_a):
    wrong_passwords(sign_in, clinician_a, LIMIT)
    response = sign_in(clinician_a)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Account locked" in page and "Contact your clinic administrator" in page
    assert "Traceback" not in page
    assert "_auth_user_id" not in client.session
    assert client.get("/patients/")["Location"].startswith("/login/")


def test_the_lock_holds_for_a_user_name_tried_from_another_address(sign_in, client,
                                                                   clinician_a):
    wrong_passwords(sign_in, clinician_a, LIMIT)
    response = client.post("/login/", {"username": "clinician_a",
                                       "password": "correct-horse-battery"},
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


def test_a_name_nobody_has_locks_the_same_way(sign_in, client, db):
    """So the lock page never tells a guesser which user names exist."""
    for attempt in range(LIMIT):
        client.post("/login/", {"username": "nobody", "password": f"guess-{attempt}"})
    response = client.post("/login/", {"username": "nobody", "password": "guess"})
    assert response.status_code == 429 and "Account locked" in response.content.decode()


def test_a_clinic_administrator_unlocks_their_staff(sign_in, client, clinician_a,
                                                    clinic_admin):
    wrong_passwords(sign_in, clinician_a, LIMIT)
    client.force_login(clinic_admin)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "sign_in_unlock", "_selected_action": [clinician_a.pk]}, follow=True)
    assert "Unlocked sign-in for clinician_a" in response.content.decode()
    client.logout()
    assert sign_in(clinician_a)["Location"] == "/patients/"


def test_only_the_operator_sees_the_failed_sign_ins(sign_in, client, clinician_a,
                                                    clinic_admin, operator):
    wrong_passwords(sign_in, clinician_a, LIMIT)
    url = reverse("admin:axes_accessattempt_changelist")
    client.force_login(clinic_admin)
    assert client.get(url).status_code == 403
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200 and "clinician_a" in response.content.decode()


def test_the_operator_unlocks_by_deleting_the_count(sign_in, client, clinician_a, operator):
    wrong_passwords(sign_in, clinician_a, LIMIT)
    attempt = AccessAttempt.objects.get(username="clinician_a")
    client.force_login(operator)
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    client.logout()
    assert sign_in(clinician_a)["Location"] == "/patients/"
