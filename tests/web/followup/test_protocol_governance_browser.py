"""In headless Chromium: a follow-up protocol change goes from draft through the system's
checks and a second administrator's reading of its changes to publication.

Screenshots go to /tmp/orthoregen-screenshots (governance-*.png).
"""

import json

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot
from tests.web.conftest import PASSWORD, make_user

from orthoregen.web.accounts.roles import Role
from orthoregen.web.followup.models import ScheduleProtocolVersion
from orthoregen.web.followup.protocols import active_protocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def narrower_month_3(definition):
    visit = next(v for v in definition["visits"] if v["visit_id"] == "month_3")
    visit["days_before"] = visit["days_after"] = 10
    return json.dumps(definition, indent=2)


def test_draft_diff_second_approval_and_publication(new_page, live_server, admin_a,
                                                    site_a):
    colleague = make_user("colleague_a", Role.ADMIN, site_a)
    shared = active_protocol()
    author = new_page(height=1000)
    log_in(author, live_server, "admin_a")
    author.goto(f"{live_server.url}/followup/protocols/{shared.pk}/")
    author.get_by_role("link", name="Copy as a new draft").click()
    author.get_by_label("New version").fill("site-a-2026.2")
    author.get_by_role("button", name="Copy as draft").click()
    draft = ScheduleProtocolVersion.objects.get(version="site-a-2026.2")
    author.get_by_label("Definition (JSON)").fill(narrower_month_3(draft.definition))
    author.get_by_role("button", name="Save draft").click()
    author.get_by_role("button", name="Run the system's checks").click()
    expect(author.get_by_text("The system's checks found no problem")).to_be_visible()
    shot(author, "governance-1-validated")
    author.get_by_role("link", name="Read the changes and approve").click()
    expect(author.get_by_text("you cannot approve it")).to_be_visible()
    expect(author.get_by_role("button", name="Approve these changes")).to_have_count(0)
    shot(author, "governance-2-author-may-not-approve")

    approver = new_page(height=1000)
    log_in(approver, live_server, colleague.username)
    approver.goto(f"{live_server.url}/followup/protocols/{draft.pk}/review/")
    expect(approver.locator(".diff-removed").filter(has_text='"days_after": 14')).to_be_visible()
    expect(approver.locator(".diff-added").filter(has_text='"days_after": 10')).to_be_visible()
    shot(approver, "governance-3-diff-for-the-second-person")
    # Approving and publishing are electronic signatures: the password again (21 CFR 11.200).
    approver.get_by_label("Your password, to sign").fill("not-my-password")
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("The password is not correct: nothing was signed.")
           ).to_be_visible()
    shot(approver, "governance-3b-wrong-password")
    approver.get_by_label("Your password, to sign").fill(PASSWORD)
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("You approved site-a-2026.2")).to_be_visible()
    shot(approver, "governance-4-approved")

    author.goto(f"{live_server.url}/followup/protocols/{draft.pk}/")
    author.get_by_role("link", name="Read the changes and publish").click()
    author.get_by_label("Your password, to sign").fill(PASSWORD)
    shot(author, "governance-4b-publish-signing")
    author.get_by_role("button", name="Publish").click()
    expect(author.get_by_text("Published site-a-2026.2")).to_be_visible()
    shot(author, "governance-5-published")
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague, admin_a)
    assert active_protocol(site_a) == draft
