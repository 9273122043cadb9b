"""Password reset by email: a link on the public address, the same answer for every address."""

import re

import pytest
from django.core import mail

from orthoregen.web.accounts.models import User

PORTAL_URL = "https://clinic.example.org"


@pytest.fixture
def clinician(clinician_a):
    clinician_a.email = "amara@clinic.example.org"
    clinician_a.save()
    return clinician_a


@pytest.fixture
def portal_url(settings):
    settings.ORTHOREGEN_PORTAL_URL = PORTAL_URL


def reset_link(message) -> str:
    return re.search(r"^(https?://\S+)$", message.body, re.MULTILINE).group(1)


def test_the_login_page_offers_the_reset(client, db):
    assert 'href="/password-reset/"' in client.get("/login/").content.decode()


def test_the_link_starts_with_the_portal_url(client, clinician, portal_url):
    response = client.post("/password-reset/", {"email": "amara@clinic.example.org"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amara@clinic.example.org"]
    assert message.subject == "Reset your orthoregen password"
    assert reset_link(message).startswith(f"{PORTAL_URL}/password-reset/")


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, clinician, portal_url):
    known = client.post("/password-reset/", {"email": "amara@clinic.example.org"},
                        follow=True)
    unknown = client.post("/password-reset/", {"email": "nobody@clinic.example.org"},
                          follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/password-reset/sent/", 302)]
    assert known.content == unknown.content
    assert len(mail.outbox) == 1


def test_an_inactive_user_gets_no_email(client, clinician, portal_url):
    clinician.is_active = False
    clinician.save()
    client.post("/password-reset/", {"email": "amara@clinic.example.org"})
    assert mail.outbox == []


def test_the_link_sets_a_new_password_that_follows_the_rules(client, clinician, portal_url):
    client.post("/password-reset/", {"email": "amara@clinic.example.org"})
    path = reset_link(mail.outbox[0]).removeprefix(PORTAL_URL)
    form_page = client.get(path, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "aaaaaaaaaaaa",
                                          "new_password2": "aaaaaaaaaaaa"})
    assert "repeated or sequential characters" in weak.content.decode()
    done = client.post(set_password_url, {"new_password1": "ward-tulip-oak-9",
                                          "new_password2": "ward-tulip-oak-9"})
    assert done["Location"] == "/password-reset/done/"
    assert User.objects.get(pk=clinician.pk).check_password("ward-tulip-oak-9")
    # The link works once.
    assert "This link no longer works" in client.get(path, follow=True).content.decode()


def test_a_reset_does_not_sign_in_or_skip_the_second_factor(client, clinician, portal_url,
                                                            mfa_on, enrol):
    enrol(clinician)
    client.post("/password-reset/", {"email": "amara@clinic.example.org"})
    path = reset_link(mail.outbox[0]).removeprefix(PORTAL_URL)
    url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(url, {"new_password1": "ward-tulip-oak-9", "new_password2": "ward-tulip-oak-9"})
    assert "_auth_user_id" not in client.session
    client.post("/login/", {"username": "clinician_a", "password": "ward-tulip-oak-9"})
    assert client.get("/patients/")["Location"].startswith("/account/second-factor/verify/")
