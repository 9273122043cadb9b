"""In headless Chromium: a release specification change goes from draft through the system's
checks to a second administrator's signed approval and publication, each person in their own
browser context.

Screenshots go to /tmp/orthoregen-screenshots (release-spec-*.png).
"""

import json

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot
from tests.web.conftest import PASSWORD, make_user

from orthoregen.web.accounts.roles import Role
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services.release import release_specs_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAME = "Culture-expanded MSC release specification"


def viability_80(specification):
    viability = next(c for c in specification["criteria"] if c.get("test_id") == "viability")
    viability["minimum_percent"] = 80.0
    return json.dumps(specification, indent=2)


def test_draft_validate_then_a_colleague_approves_and_publishes(new_page, live_server, admin_a,
                                                               site_a):
    colleague = make_user("colleague_a", Role.ADMIN, site_a)
    release_specs_ensure(site_a)
    author = new_page(height=1100)
    log_in(author, live_server, "admin_a", start="/cellbank/specifications/")
    # The administrators' navigation names the page.
    expect(author.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Release specifications")).to_be_visible()
    expect(author.get_by_text("In use: units are judged by it")).to_have_count(2)
    shot(author, "release-spec-1-list")
    author.get_by_role("link", name="2026.1").first.click()
    expect(author.get_by_role("cell", name="≥ 70 %")).to_be_visible()
    author.get_by_role("link", name="Copy as a new draft").click()
    author.get_by_label("New version").fill("2026.2")
    author.get_by_role("button", name="Copy as draft").click()
    expect(author.get_by_label("Specification (JSON)")).to_be_visible()  # the copy is saved
    draft = ReleaseSpecVersion.objects.get(site=site_a, version="2026.2")
    author.get_by_label("Specification (JSON)").fill(viability_80(draft.specification))
    author.get_by_role("button", name="Save draft").click()
    author.get_by_role("button", name="Run the system's checks").click()
    expect(author.get_by_text("The system's checks found no problem")).to_be_visible()
    expect(author.get_by_role("cell", name="≥ 80 %")).to_be_visible()
    shot(author, "release-spec-2-validated")

    approver = new_page(height=1100)  # a context of its own: another person's session
    log_in(approver, live_server, colleague.username,
           start=f"/cellbank/specifications/{draft.pk}/")
    approver.get_by_role("link", name="Read the changes and approve").click()
    expect(approver.locator(".diff-removed").filter(has_text='"minimum_percent": 70.0')
           ).to_be_visible()
    expect(approver.locator(".diff-added").filter(has_text='"minimum_percent": 80.0')
           ).to_be_visible()
    approver.get_by_label("Your password, to sign").fill("not-my-password")
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("The password is not correct: nothing was signed.")
           ).to_be_visible()
    approver.get_by_label("Your password, to sign").fill(PASSWORD)
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text(f"You approved {NAME} 2026.2")).to_be_visible()
    shot(approver, "release-spec-3-approved")
    approver.get_by_role("link", name="Read the changes and publish").click()
    approver.get_by_label("Your password, to sign").fill(PASSWORD)
    approver.get_by_role("button", name="Publish").click()
    expect(approver.get_by_text(f"Published {NAME} 2026.2")).to_be_visible()
    shot(approver, "release-spec-4-published")
    draft.refresh_from_db()
    assert (draft.status, draft.created_by, draft.validated_by, draft.approved_by,
            draft.published_by) == ("published", admin_a, admin_a, colleague, colleague)
