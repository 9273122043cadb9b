"""In headless Chromium: a follow-up protocol change goes from draft through the system's
checks and a second administrator's reading of its changes to publication.

Screenshots go to /tmp/helper-gov (governance-*.png).
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.web.conftest import make_user
from tests.web.test_browser import browser, log_in  # noqa: F401  (the browser fixture)

from orthoregen.web.accounts.roles import Role
from orthoregen.web.followup.models import ScheduleProtocolVersion
from orthoregen.web.followup.protocols import active_protocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/helper-gov")


def new_page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    return context, context.new_page()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"governance-{name}.png"), full_page=True)


def narrower_month_3(definition):
    visit = next(v for v in definition["visits"] if v["visit_id"] == "month_3")
    visit["days_before"] = visit["days_after"] = 10
    return json.dumps(definition, indent=2)


def test_draft_diff_second_approval_and_publication(browser, live_server, admin_a,  # noqa: F811
                                                    site_a):
    colleague = make_user("colleague_a", Role.ADMIN, site_a)
    shared = active_protocol()
    author_context, author = new_page(browser)
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
    shot(author, "1-validated")
    author.get_by_role("link", name="Read the changes and approve").click()
    expect(author.get_by_text("you cannot approve it")).to_be_visible()
    expect(author.get_by_role("button", name="Approve these changes")).to_have_count(0)
    shot(author, "2-author-may-not-approve")

    approver_context, approver = new_page(browser)
    log_in(approver, live_server, colleague.username)
    approver.goto(f"{live_server.url}/followup/protocols/{draft.pk}/review/")
    expect(approver.locator(".diff-removed").filter(has_text='"days_after": 14')).to_be_visible()
    expect(approver.locator(".diff-added").filter(has_text='"days_after": 10')).to_be_visible()
    shot(approver, "3-diff-for-the-second-person")
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("You approved site-a-2026.2")).to_be_visible()
    shot(approver, "4-approved")

    author.goto(f"{live_server.url}/followup/protocols/{draft.pk}/")
    author.get_by_role("button", name="Publish").click()
    expect(author.get_by_text("Published site-a-2026.2")).to_be_visible()
    shot(author, "5-published")
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague, admin_a)
    assert active_protocol(site_a) == draft
    author_context.close()
    approver_context.close()
