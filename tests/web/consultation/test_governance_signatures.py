"""Approving and publishing a governed protocol are electronic signatures (21 CFR Part 11).

11.200(a)(1): a signature not based on biometrics has two components, here the signed-in
session and the password entered again at signing. 11.50(a): the signed record shows the
signer's printed name, the date and time, and the meaning of the signature. Both kinds of
governed version (candidacy and follow-up schedule protocols) are tried through their pages.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from tests.web.conftest import PASSWORD

from orthoregen.web.accounts.signatures import Signature, SigningRefusal, SigningRefused
from orthoregen.web.consultation import governance
from orthoregen.web.consultation import protocols as candidacy
from orthoregen.web.consultation.governance import SignatureRefused, Signing
from orthoregen.web.followup import protocols as schedules

pytestmark = pytest.mark.django_db
SIGN = Signing(PASSWORD)
WRONG = "The password is not correct: nothing was signed."


@dataclass(frozen=True)
class Kind:
    """One kind of governed version: its pages' address and its services."""

    url: str
    copy: Any
    validate: Any
    review: Any
    approve: Any
    publish: Any


CANDIDACY = Kind("/consultation/protocols", lambda by, site: candidacy.protocol_copy(
    candidacy.protocol_default(), version="2026.1-a", site=site, by=by),
    candidacy.protocol_validate, candidacy.protocol_review, candidacy.protocol_approve,
    candidacy.protocol_publish)
SCHEDULE = Kind("/followup/protocols", lambda by, site: schedules.schedule_protocol_copy(
    schedules.active_protocol(), version="site-a-2026.2", site=site, by=by),
    schedules.schedule_protocol_validate, schedules.schedule_protocol_review,
    schedules.schedule_protocol_approve, schedules.schedule_protocol_publish)


@pytest.fixture(params=[CANDIDACY, SCHEDULE], ids=["candidacy", "schedule"])
def kind(request):
    return request.param


@pytest.fixture
def validated(kind, admin_a, site_a):
    version = kind.copy(admin_a, site_a)
    return kind.validate(version, by=admin_a)


def approve_page(client, kind, version, password):
    return client.post(f"{kind.url}/{version.pk}/approve/", {
        "seen_digest": kind.review(version).digest, "password": password})


def test_the_review_page_asks_the_approver_for_their_password(as_user, kind, colleague_a,
                                                               validated):
    page = as_user(colleague_a).get(f"{kind.url}/{validated.pk}/review/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="password"' in html and 'autocomplete="current-password"' in html
    assert "Your password, to sign" in html and "Approve these changes" in html


def test_a_wrong_password_is_a_form_error_saves_nothing_and_is_kept(as_user, kind,
                                                                     colleague_a, validated):
    page = approve_page(as_user(colleague_a), kind, validated, "not-my-password")
    assert page.status_code == 400
    assert page.context["form"].errors["password"] == [WRONG]
    assert "not-my-password" not in page.content.decode()  # never shown again
    validated.refresh_from_db()
    assert (validated.status, validated.approved_by, validated.approval_diff) == (
        "validated", None, "")
    assert not Signature.objects.exists()
    refusal = SigningRefusal.objects.get()
    assert (refusal.user, refusal.meaning, refusal.reason, refusal.object_id) == (
        colleague_a, "protocol_approval", "wrong_password", validated.pk)


def test_no_password_is_a_form_error_and_not_a_signing_attempt(as_user, kind, colleague_a,
                                                                validated):
    page = as_user(colleague_a).post(f"{kind.url}/{validated.pk}/approve/", {
        "seen_digest": kind.review(validated).digest})
    assert page.status_code == 400
    assert page.context["form"].errors["password"] == ["This field is required."]
    validated.refresh_from_db()
    assert validated.status == "validated" and not SigningRefusal.objects.exists()


def test_the_approval_keeps_the_signers_name_time_and_meaning(as_user, kind, colleague_a,
                                                              validated):
    review = kind.review(validated)
    page = approve_page(as_user(colleague_a), kind, validated, PASSWORD)
    assert page.status_code == 302
    validated.refresh_from_db()
    signature = Signature.objects.get()
    assert (signature.signer, signature.printed_name, signature.meaning) == (
        colleague_a, "Colleague_A Tester", "protocol_approval")
    assert signature.get_meaning_display() == "Approval of a protocol's changes"
    assert signature.signed_at == validated.approved_at
    assert signature.content["difference_sha256"] == review.digest
    assert signature.content["difference"] == validated.approval_diff
    assert signature.is_bound_to(validated) and not signature.second_factor_verified
    detail = as_user(colleague_a).get(f"{kind.url}/{validated.pk}/").content.decode()
    assert "Approval of a protocol&#x27;s changes" in detail and "Colleague_A Tester" in detail


def test_publication_is_signed_too_and_a_wrong_password_publishes_nothing(
        as_user, kind, admin_a, colleague_a, validated):
    kind.approve(validated, seen_digest=kind.review(validated).digest, by=colleague_a,
                 signing=SIGN)
    client = as_user(admin_a)
    review = client.get(f"{kind.url}/{validated.pk}/review/")
    assert "By publishing, you sign under your name" in review.content.decode()
    refused = client.post(f"{kind.url}/{validated.pk}/publish/", {"password": "guess"})
    assert refused.status_code == 400 and refused.context["form"].errors["password"] == [WRONG]
    validated.refresh_from_db()
    assert validated.status == "approved" and validated.published_by is None
    assert SigningRefusal.objects.get().meaning == "protocol_publication"
    client.post(f"{kind.url}/{validated.pk}/publish/", {"password": PASSWORD})
    validated.refresh_from_db()
    published = Signature.objects.get(meaning="protocol_publication")
    assert validated.is_published and published.signer == admin_a
    assert published.signed_at == validated.published_at and published.is_bound_to(validated)


def test_the_service_refuses_a_caller_that_skipped_the_password(kind, colleague_a, validated):
    digest = kind.review(validated).digest
    with pytest.raises(TypeError):  # no signing, no approval
        kind.approve(validated, seen_digest=digest, by=colleague_a)
    with pytest.raises(SignatureRefused, match="password is not correct"):
        kind.approve(validated, seen_digest=digest, by=colleague_a, signing=Signing(""))
    validated.refresh_from_db()
    assert validated.status == "validated" and not Signature.objects.exists()
    assert SigningRefusal.objects.count() == 1


def test_mark_approved_itself_checks_the_password(kind, colleague_a, validated):
    """The lifecycle step signs, so code that skips the services cannot approve either."""
    review = kind.review(validated)
    with pytest.raises(SigningRefused):
        governance.mark_approved(validated, review=review, seen_digest=review.digest,
                                 by=colleague_a, signing=Signing("wrong"))
    assert validated.status == "validated" and validated.approved_by is None


def test_a_refused_step_asks_no_password_and_keeps_no_refusal(kind, admin_a, validated):
    """The author's approval is refused for who they are, before any password is checked."""
    with pytest.raises(governance.LifecycleRefused, match="a second person must approve it"):
        kind.approve(validated, seen_digest=kind.review(validated).digest, by=admin_a,
                     signing=Signing("wrong"))
    assert not SigningRefusal.objects.exists()
