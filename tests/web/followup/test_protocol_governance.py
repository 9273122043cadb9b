"""Follow-up schedule protocols under change control: draft, validated, a second person's
approval of the difference, published; running schedules keep their version."""

import copy
import datetime as dt
import json

import pytest
from tests.web.conftest import PASSWORD

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.consultation.governance import (
    LifecycleRefused,
    ProtocolLocked,
    Signing,
    ValidationRefused,
)
from orthoregen.web.followup import protocols
from orthoregen.web.followup.models import ScheduleProtocolVersion
from orthoregen.web.followup.services import schedule_create

pytestmark = pytest.mark.django_db
SIGN = Signing(PASSWORD)  # the signer's password entered again


@pytest.fixture
def operator(db):
    """The platform operator: a superuser at no site (accounts.admin.is_platform_operator)."""
    return User.objects.create_superuser("operator", password=PASSWORD, role=Role.ADMIN)


@pytest.fixture
def draft(admin_a, site_a):
    return protocols.schedule_protocol_copy(protocols.active_protocol(), version="site-a-2026.2",
                                            site=site_a, by=admin_a)


def month_3_window(definition, days):
    changed = copy.deepcopy(definition)
    visit = next(v for v in changed["visits"] if v["visit_id"] == "month_3")
    visit["days_before"] = visit["days_after"] = days
    return changed


def approve(stored, by):
    stored.refresh_from_db()  # the difference the approver reads is the stored one
    return protocols.schedule_protocol_approve(
        stored, seen_digest=protocols.schedule_protocol_review(stored).digest, by=by, signing=SIGN)


def test_pages_take_a_draft_through_validation_approval_and_publication(
        as_user, admin_a, colleague_a, site_a, site_b):
    shared = protocols.active_protocol()
    client = as_user(admin_a)
    response = client.post(f"/followup/protocols/{shared.pk}/copy/", {"version": "site-a-2026.2"})
    draft = ScheduleProtocolVersion.objects.get(version="site-a-2026.2")
    assert response.status_code == 302 and draft.site == site_a and draft.status == "draft"
    client.post(f"/followup/protocols/{draft.pk}/edit/", {
        "definition": json.dumps(month_3_window(draft.definition, 10))})
    client.post(f"/followup/protocols/{draft.pk}/validate/")
    draft.refresh_from_db()
    assert draft.status == "validated" and draft.validated_by == admin_a

    review = as_user(colleague_a).get(f"/followup/protocols/{draft.pk}/review/")
    # The approver reads the changed window against the shared version in use.
    lines = review.context["review"].lines
    assert '-      "days_after": 14,' in lines and '+      "days_after": 10,' in lines
    assert str(shared) in review.content.decode()
    as_user(colleague_a).post(f"/followup/protocols/{draft.pk}/approve/",
                              {"password": PASSWORD,
                               "seen_digest": review.context["review"].digest})
    as_user(admin_a).post(f"/followup/protocols/{draft.pk}/publish/", {"password": PASSWORD})
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague_a, admin_a)
    assert "days_after" in draft.approval_diff and draft.reviewed_against == shared
    assert protocols.active_protocol(site_a) == draft
    assert protocols.active_protocol(site_b) == shared  # the other clinic keeps the shared one


def test_the_author_cannot_approve_their_own_version(as_user, admin_a, draft):
    protocols.schedule_protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="a second person must approve it"):
        approve(draft, by=admin_a)
    page = as_user(admin_a).get(f"/followup/protocols/{draft.pk}/review/")
    assert "you cannot approve it" in page.content.decode()
    refused = as_user(admin_a).post(f"/followup/protocols/{draft.pk}/approve/", {
        "password": PASSWORD, "seen_digest": page.context["review"].digest}, follow=True)
    assert refused.status_code == 200
    assert "a second person must approve it" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == "validated" and draft.approved_by is None


def test_an_editor_is_an_author_too(admin_a, colleague_a, draft):
    protocols.schedule_protocol_draft_update(
        draft, definition=month_3_window(draft.definition, 10), by=colleague_a)
    protocols.schedule_protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="a second person"):
        approve(draft, by=colleague_a)


@pytest.mark.parametrize("step", ["draft", "validated"])
def test_publication_without_approval_is_refused(as_user, admin_a, draft, step):
    if step == "validated":
        protocols.schedule_protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="has not been approved by a second person"):
        protocols.schedule_protocol_publish(draft, by=admin_a, signing=SIGN)
    page = as_user(admin_a).post(f"/followup/protocols/{draft.pk}/publish/",
                                 {"password": PASSWORD}, follow=True)
    assert "has not been approved by a second person" in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == step and not draft.is_active


def test_an_invalid_definition_cannot_be_validated(as_user, admin_a, draft):
    broken = copy.deepcopy(draft.definition)
    broken["instrument_sets"][1]["choices"][2]["options"] = ["hoos", "koos"]  # KOOS: knee only
    protocols.schedule_protocol_draft_update(draft, definition=broken, by=admin_a)
    with pytest.raises(ValidationRefused) as refused:
        protocols.schedule_protocol_validate(draft, by=admin_a)
    assert any("koos" in problem for problem in refused.value.problems)
    page = as_user(admin_a).post(f"/followup/protocols/{draft.pk}/validate/", follow=True)
    assert "was not validated" in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.validated_at is None


def test_a_definition_that_does_not_read_is_not_saved(as_user, admin_a, draft):
    before = draft.definition
    page = as_user(admin_a).post(f"/followup/protocols/{draft.pk}/edit/",
                                 {"definition": '{"visits": "soon"}'})
    assert page.status_code == 400 and "does not read" in page.content.decode()
    page = as_user(admin_a).post(f"/followup/protocols/{draft.pk}/edit/", {"definition": "{"})
    assert "Not valid JSON" in page.content.decode()
    draft.refresh_from_db()
    assert draft.definition == before


def test_an_edit_voids_an_approval(admin_a, colleague_a, draft):
    protocols.schedule_protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    protocols.schedule_protocol_draft_update(
        draft, definition=month_3_window(draft.definition, 9), by=admin_a)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.approved_by is None and draft.approval_diff == ""


def test_an_approval_covers_only_the_difference_that_was_read(admin_a, colleague_a, draft):
    protocols.schedule_protocol_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="has changed since you opened it"):
        protocols.schedule_protocol_approve(draft, seen_digest="stale", by=colleague_a,
                                            signing=SIGN)


def test_a_published_version_never_changes(as_user, operator, admin_a, colleague_a, draft):
    protocols.schedule_protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    published = protocols.schedule_protocol_publish(draft, by=admin_a, signing=SIGN)
    before = published.definition
    with pytest.raises(ProtocolLocked):
        protocols.schedule_protocol_draft_update(
            published, definition=month_3_window(before, 1), by=admin_a)
    published.definition = month_3_window(before, 1)
    with pytest.raises(ProtocolLocked):
        published.save()
    with pytest.raises(ProtocolLocked):
        published.delete()
    page = as_user(admin_a).get(f"/followup/protocols/{published.pk}/edit/")
    assert "Save draft" not in page.content.decode()
    # Even the operator's admin page shows it read-only and refuses a change.
    admin_url = f"/admin/followup/scheduleprotocolversion/{published.pk}/change/"
    assert as_user(operator).get(admin_url).status_code == 200
    assert as_user(operator).post(admin_url, {"definition": "{}", "version": "x"}
                                  ).status_code == 403
    published.refresh_from_db()
    assert published.definition == before and published.version == "site-a-2026.2"


def test_a_running_schedule_keeps_its_version_and_dates(admin_a, colleague_a, episode_a,
                                                        draft):
    running = schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    dates = sorted(running.visits.values_list("timepoint", "kind", "earliest", "target",
                                              "latest"))
    shared = running.protocol
    protocols.schedule_protocol_draft_update(
        draft, definition=month_3_window(draft.definition, 10), by=admin_a)
    protocols.schedule_protocol_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    protocols.schedule_protocol_publish(draft, by=admin_a, signing=SIGN)
    running.refresh_from_db()
    assert running.protocol == shared
    assert sorted(running.visits.values_list("timepoint", "kind", "earliest", "target",
                                             "latest")) == dates
    # A second injection after publication starts a schedule on the clinic's new version.
    later = schedule_create(episode_a, administered_on=dt.date(2026, 9, 1))
    month_3 = later.visits.get(timepoint="month_3", kind="visit")
    assert later.protocol == draft
    assert (month_3.target - month_3.earliest).days == 10  # the published narrower window


def test_another_clinic_cannot_see_or_approve(as_user, admin_a, admin_b, draft):
    protocols.schedule_protocol_validate(draft, by=admin_a)
    client = as_user(admin_b)
    for url in ("", "review/", "edit/"):
        assert client.get(f"/followup/protocols/{draft.pk}/{url}").status_code == 404
    assert client.post(f"/followup/protocols/{draft.pk}/approve/",
                       {"password": PASSWORD,
                        "seen_digest": protocols.schedule_protocol_review(draft).digest}
                       ).status_code == 404
    assert "site-a-2026.2" not in client.get("/followup/protocols/").content.decode()
    with pytest.raises(LifecycleRefused, match="belongs to another clinic"):
        approve(draft, by=admin_b)
    draft.refresh_from_db()
    assert draft.status == "validated"


@pytest.mark.parametrize("who", ["clinician_a", "coordinator_a"])
def test_other_roles_are_refused(request, as_user, draft, who):
    client = as_user(request.getfixturevalue(who))
    assert client.get("/followup/protocols/").status_code == 403
    assert client.post(f"/followup/protocols/{draft.pk}/approve/").status_code == 403


def test_only_the_platform_operator_governs_the_shared_version(admin_a, colleague_a, operator):
    shared_draft = protocols.schedule_protocol_copy(
        protocols.active_protocol(), version="shared-2026.2", site=None, by=operator)
    with pytest.raises(LifecycleRefused, match="only the platform operator"):
        protocols.schedule_protocol_validate(shared_draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="only the platform operator"):
        protocols.schedule_protocol_copy(protocols.active_protocol(), version="x", site=None,
                                         by=admin_a)
    protocols.schedule_protocol_validate(shared_draft, by=operator)
    second = User.objects.create_superuser("operator2", password=PASSWORD, role=Role.ADMIN)
    approve(shared_draft, by=second)
    protocols.schedule_protocol_publish(shared_draft, by=operator, signing=SIGN)
    assert protocols.active_protocol() == shared_draft
