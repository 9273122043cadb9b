"""The second factor: every staff role and the admin pass it before any staff page.

Walks enrolment (QR code drawn here, key as text, recovery codes shown once), verification
by app code or recovery code, the wait after wrong codes, and the administrator's reset.
"""

import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orthoregen.web.accounts.second_factor import RECOVERY_CODE_COUNT

ROLES = ["clinician_a", "coordinator_a", "lab_a", "analyst_a", "admin_a"]


def test_test_mode_leaves_the_second_factor_off(as_user, clinician_a, patient_a):
    # Production requires it by default (test_settings_defaults.py); tests switch it on.
    assert as_user(clinician_a).get("/patients/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_sent_to_enrol_before_any_staff_page(mfa_on, as_user, request, role):
    client = as_user(request.getfixturevalue(role))
    for page in ("/patients/", "/registry/", "/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"/account/second-factor/?next={page.replace('/', '%2F')}"


@pytest.mark.parametrize("role", ROLES)
def test_an_enrolled_role_is_sent_to_verify(mfa_on, as_user, enrol, request, role):
    user = request.getfixturevalue(role)
    enrol(user)
    response = as_user(user).get("/patients/")
    assert response["Location"] == "/account/second-factor/verify/?next=%2Fpatients%2F"


def test_the_admin_needs_the_second_factor_too(mfa_on, as_user, admin_a):
    admin_a.is_superuser = True
    admin_a.save()
    response = as_user(admin_a).get("/admin/accounts/user/")
    assert response["Location"].startswith("/account/second-factor/?next=")


def test_the_portal_is_not_staff_sign_in(mfa_on, as_user, clinician_a):
    # A patient's link opened in a browser where staff signed in with a password only.
    response = as_user(clinician_a).get("/portal/results/")
    assert response.status_code == 404  # the portal's own "link not valid" page, no redirect
    assert "portal/refused.html" in [t.name for t in response.templates]


def test_sign_out_works_before_the_second_factor(mfa_on, as_user, clinician_a):
    client = as_user(clinician_a)
    assert client.post("/logout/")["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_the_enrol_page_draws_the_qr_code_itself_and_shows_the_key(mfa_on, as_user,
                                                                   clinician_a):
    response = as_user(clinician_a).get("/account/second-factor/?next=/patients/")
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=clinician_a)
    assert not device.confirmed
    image = re.search(r'<img src="([^"]+)"', page).group(1)
    assert image.startswith("data:image/svg+xml;base64,")
    assert not re.search(r'src="(https?:)?//', page)  # nothing fetched from elsewhere
    key = response.context["key"]
    assert len(key.replace(" ", "")) == 32 and key in page  # 20 random bytes in base32
    # Reloading keeps the same key, so a half-finished scan still works.
    as_user(clinician_a).get("/account/second-factor/")
    assert TOTPDevice.objects.get(user=clinician_a).key == device.key


def test_a_wrong_code_does_not_confirm_the_app(mfa_on, as_user, clinician_a):
    client = as_user(clinician_a)
    client.get("/account/second-factor/")
    response = client.post("/account/second-factor/", {"code": "000000"})
    assert response.status_code == 200
    assert "That code was not accepted" in response.content.decode()
    assert not TOTPDevice.objects.get(user=clinician_a).confirmed
    assert not StaticDevice.objects.filter(user=clinician_a).exists()
    assert client.get("/patients/").status_code == 302


def test_enrolment_shows_recovery_codes_once_and_opens_the_patient_list(
        mfa_on, as_user, clinician_a, current_code, patient_a):
    client = as_user(clinician_a)
    client.get("/account/second-factor/")
    device = TOTPDevice.objects.get(user=clinician_a)
    response = client.post("/account/second-factor/",
                           {"code": current_code(device), "next": "/patients/"})
    codes = response.context["codes"]
    assert len(codes) == len(set(codes)) == RECOVERY_CODE_COUNT
    assert all(code in response.content.decode() for code in codes)
    assert response["Cache-Control"].count("no-store") == 1
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/patients/").status_code == 200
    # Shown once: the enrol page now only sends the user on, and never shows them again.
    again = client.get("/account/second-factor/?next=/patients/")
    assert again.status_code == 302 and again["Location"] == "/patients/"
    assert StaticToken.objects.filter(device__user=clinician_a).count() == RECOVERY_CODE_COUNT


def test_the_app_code_verifies_a_new_session(mfa_on, sign_in, client, clinician_a, enrol,
                                             current_code):
    device, _ = enrol(clinician_a)
    assert sign_in(clinician_a)["Location"] == "/patients/"
    assert client.get("/patients/")["Location"].startswith("/account/second-factor/verify/")
    key_before = client.session.session_key
    response = client.post("/account/second-factor/verify/",
                           {"code": current_code(device), "next": "/patients/"})
    assert response["Location"] == "/patients/"
    assert client.session.session_key != key_before  # a new session id once verified
    assert client.get("/patients/").status_code == 200


def test_a_recovery_code_works_once(mfa_on, sign_in, client, clinician_a, enrol):
    _, codes = enrol(clinician_a)
    sign_in(clinician_a)
    typed = f"{codes[0][:4]}-{codes[0][4:].upper()} "  # as copied from paper
    response = client.post("/account/second-factor/verify/", {"code": typed}, follow=True)
    assert response.redirect_chain[0][0] == "/"
    assert f"You used a recovery code; {RECOVERY_CODE_COUNT - 1} left" in \
        response.content.decode()
    assert StaticToken.objects.filter(device__user=clinician_a).count() == \
        RECOVERY_CODE_COUNT - 1
    client.post("/logout/")
    sign_in(clinician_a)
    response = client.post("/account/second-factor/verify/", {"code": codes[0]})
    assert "That code was not accepted" in response.content.decode()


def test_wrong_codes_make_the_user_wait(mfa_on, sign_in, client, clinician_a, enrol,
                                        current_code):
    device, _ = enrol(clinician_a)
    sign_in(clinician_a)
    with time_machine.travel("2026-04-01 09:00:00Z", tick=False):
        client.post("/account/second-factor/verify/", {"code": "000000"})
        client.post("/account/second-factor/verify/", {"code": "111111"})
        # django-otp doubles the wait after each wrong code; the right one is refused too.
        response = client.post("/account/second-factor/verify/",
                               {"code": current_code(device)})
    assert "Too many wrong codes. Try again after" in response.content.decode()
    assert client.get("/patients/").status_code == 302


def test_verify_goes_on_only_to_a_page_of_this_site(mfa_on, sign_in, client, clinician_a,
                                                    enrol, current_code):
    device, _ = enrol(clinician_a)
    sign_in(clinician_a)
    response = client.post("/account/second-factor/verify/?next=https://evil.example/",
                           {"code": current_code(device)})
    assert response["Location"] == "/"


def test_the_verify_page_sends_a_user_without_an_app_to_enrol(mfa_on, as_user, clinician_a):
    response = as_user(clinician_a).get("/account/second-factor/verify/?next=/patients/")
    assert response["Location"] == "/account/second-factor/?next=%2Fpatients%2F"


def test_the_sign_in_steps_need_a_password_first(client, db):
    for page in ("/account/second-factor/", "/account/second-factor/verify/"):
        assert client.get(page)["Location"].startswith("/login/")


def test_an_administrator_resets_a_lost_second_factor(as_user, site_a, coordinator_a, enrol):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user(
        "helen", password="x", role="admin", is_staff=True, is_superuser=True)
    admin.sites.set([site_a])
    enrol(coordinator_a)
    response = as_user(admin).post(reverse("admin:accounts_user_changelist"), {
        "action": "second_factor_remove", "_selected_action": [coordinator_a.pk]}, follow=True)
    assert "Reset the second factor of coordinator_a" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator_a).exists()
    assert not StaticDevice.objects.filter(user=coordinator_a).exists()


def test_an_administrator_cannot_reset_their_own_second_factor(as_user, site_a, enrol):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user(
        "helen", password="x", role="admin", is_staff=True, is_superuser=True)
    admin.sites.set([site_a])
    enrol(admin)
    response = as_user(admin).post(reverse("admin:accounts_user_changelist"), {
        "action": "second_factor_remove", "_selected_action": [admin.pk]}, follow=True)
    assert "must be reset by another administrator" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_django_otp_device_pages_are_not_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
