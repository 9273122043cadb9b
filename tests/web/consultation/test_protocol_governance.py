"""Candidacy protocols under change control: validated by the system's checks, approved by a
second person who read the difference, then published; never by the author alone."""

import pytest
from tests.web.conftest import PASSWORD

from orthoregen.pathways import DEFAULT_PROTOCOL, protocol_to_dict
from orthoregen.web.consultation import protocols
from orthoregen.web.consultation.governance import (
    LifecycleRefused,
    ProtocolLocked,
    Signing,
    ValidationRefused,
)
from orthoregen.web.consultation.models import ProtocolVersion

pytestmark = pytest.mark.django_db
SIGN = Signing(PASSWORD)  # the signer's password entered again


@pytest.fixture
def draft(admin_a, site_a):
    stored = protocols.protocol_copy(protocols.protocol_default(), version="2026.2-a",
                                     site=site_a, by=admin_a)
    body = protocol_to_dict(stored.protocol())
    next(rule for rule in body["rules"] if rule["id"] == "BMI-01")["check"]["kg_m2"] = 32.0
    return protocols.protocol_draft_update(stored, body, by=admin_a)


def approve(stored, by):
    stored.refresh_from_db()  # the difference the approver reads is the stored one
    return protocols.protocol_approve(stored, seen_digest=protocols.protocol_review(stored).digest,
                                      by=by, signing=SIGN)


def test_the_difference_shows_the_changed_threshold_against_the_version_in_use(draft):
    review = protocols.protocol_review(draft)
    assert review.baseline == protocols.protocol_default()
    assert any(line.startswith("-") and '"kg_m2": 30.0' in line for line in review.lines)
    assert any(line.startswith("+") and '"kg_m2": 32.0' in line for line in review.lines)


def test_the_author_cannot_approve_their_own_version(as_user, admin_a, draft):
    protocols.protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="a second person must approve it"):
        approve(draft, by=admin_a)
    page = as_user(admin_a).post(f"/consultation/protocols/{draft.pk}/approve/", {
        "password": PASSWORD, "seen_digest": protocols.protocol_review(draft).digest},
        follow=True)
    assert page.status_code == 200 and "a second person must approve it" in \
        page.content.decode()
    draft.refresh_from_db()
    assert draft.status == "validated" and draft.approved_by is None


@pytest.mark.parametrize("validated", [False, True])
def test_publication_without_approval_is_refused(as_user, admin_a, draft, validated):
    if validated:
        protocols.protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="has not been approved by a second person"):
        protocols.protocol_publish(draft, by=admin_a, signing=SIGN)
    page = as_user(admin_a).post(f"/consultation/protocols/{draft.pk}/publish/",
                                 {"password": PASSWORD}, follow=True)
    assert "has not been approved by a second person" in page.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published and protocols.protocol_current(draft.site) != draft


def test_approval_before_validation_is_refused(admin_a, colleague_a, draft):
    with pytest.raises(LifecycleRefused, match="must be validated"):
        approve(draft, by=colleague_a)


def test_an_invalid_protocol_cannot_be_validated(as_user, admin_a, site_a):
    body = protocol_to_dict(DEFAULT_PROTOCOL)
    rules = [dict(body["rules"][0], source=" ")] + body["rules"][1:]
    broken = ProtocolVersion.objects.create(
        name="riverside", version="2", site=site_a, created_by=admin_a,
        body=dict(body, name="riverside", version="2", status="draft", rules=rules))
    with pytest.raises(ValidationRefused) as refused:
        protocols.protocol_validate(broken, by=admin_a)
    assert refused.value.problems == [
        "Candidacy protocol riverside 2 (Clinic A, draft): rule KNEE-GRADE-01: source is empty"]
    page = as_user(admin_a).post(f"/consultation/protocols/{broken.pk}/validate/", follow=True)
    assert "was not validated" in page.content.decode() and "source is empty" in \
        page.content.decode()
    broken.refresh_from_db()
    assert broken.status == "draft" and broken.validated_at is None


def test_an_edit_after_approval_needs_a_new_approval(admin_a, colleague_a, draft):
    protocols.protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    protocols.protocol_draft_update(draft, draft.body, by=admin_a)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.approved_at is None
    with pytest.raises(LifecycleRefused):
        protocols.protocol_publish(draft, by=admin_a, signing=SIGN)


def test_a_published_version_is_immutable_and_records_who_approved(admin_a, colleague_a,
                                                                   draft):
    protocols.protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    published = protocols.protocol_publish(draft, by=admin_a, signing=SIGN)
    assert (published.approved_by, published.published_by) == (colleague_a, admin_a)
    assert published.approved_at <= published.published_at
    assert '"kg_m2": 32.0' in published.approval_diff
    with pytest.raises(ProtocolLocked):
        protocols.protocol_draft_update(published, published.body, by=admin_a)
    published.approval_diff = "nothing to see"
    with pytest.raises(ProtocolLocked):
        published.save()
    with pytest.raises(ProtocolLocked):
        protocols.protocol_validate(published, by=admin_a)


def test_a_stale_approval_is_refused_at_publication(admin_a, colleague_a, site_a, draft):
    """Another version published after approval changes the difference: approve again."""
    other = protocols.protocol_copy(protocols.protocol_default(), version="2026.2-b",
                                    site=site_a, by=colleague_a)
    protocols.protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    protocols.protocol_validate(other, by=colleague_a)
    approve(other, by=admin_a)
    protocols.protocol_publish(other, by=colleague_a, signing=SIGN)
    with pytest.raises(LifecycleRefused, match="Another version was published"):
        protocols.protocol_publish(draft, by=admin_a, signing=SIGN)


def test_another_clinic_cannot_see_or_approve(as_user, admin_a, admin_b, draft):
    protocols.protocol_validate(draft, by=admin_a)
    client = as_user(admin_b)
    assert client.get(f"/consultation/protocols/{draft.pk}/review/").status_code == 404
    assert client.post(f"/consultation/protocols/{draft.pk}/approve/",
                       {"password": PASSWORD,
                        "seen_digest": protocols.protocol_review(draft).digest}
                       ).status_code == 404
    with pytest.raises(LifecycleRefused, match="belongs to another clinic"):
        approve(draft, by=admin_b)
    draft.refresh_from_db()
    assert draft.status == "validated"


def test_a_clinician_may_not_approve(as_user, admin_a, clinician_a, draft):
    protocols.protocol_validate(draft, by=admin_a)
    assert as_user(clinician_a).post(
        f"/consultation/protocols/{draft.pk}/approve/").status_code == 403
    with pytest.raises(LifecycleRefused, match="Your role may not approve"):
        approve(draft, by=clinician_a)
