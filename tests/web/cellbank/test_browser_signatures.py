"""In a real browser: a release is signed by re-entering the password, shows the signer's
printed name, time and meaning, and an allogeneic unit waits for a second person
(docs/cell-products.md#electronic-signatures)."""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import ProductUnit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(new_page, live_server, username, password):
    page = new_page(height=1400)
    log_in(page, live_server, username, password, start="/login/")
    return page


def test_an_allogeneic_release_is_signed_twice_with_passwords(new_page, live_server, kit,
                                                               site_a, lab_a, donor_a):
    second = kit.colleague(lab_a)
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    services.qc_panel_verify(unit, by=second, password=kit.PASSWORD)
    url = f"{live_server.url}/cellbank/units/{unit.pk}/"

    lab = signed_in(new_page, live_server, "lab_a", kit.PASSWORD)
    lab.goto(url)
    release = lab.get_by_role("form", name="Release")
    expect(release.get_by_text("Signing as Lab_A Tester")).to_be_visible()
    release.get_by_label("Your password, to sign").fill("not-my-password")
    release.get_by_role("button", name="Sign and release").click()
    expect(lab.get_by_text("The password is not correct: nothing was signed.")).to_be_visible()
    lab.get_by_role("form", name="Release").get_by_label("Your password, to sign") \
        .fill(kit.PASSWORD)
    lab.get_by_role("form", name="Release").get_by_role("button", name="Sign and release").click()
    expect(lab.get_by_text("it waits for a second person's signature")).to_be_visible()
    expect(lab.locator(".unit-banner")).to_contain_text("Release pending second signature")
    signatures = lab.get_by_role("region", name="Electronic signatures")
    expect(signatures.locator(".signer")).to_have_text(["Lab_A Tester"])
    expect(signatures.locator(".meaning")).to_have_text(["Release"])
    shot(lab, "release-pending-second-signature")

    # The first signer cannot be the second person.
    countersign = lab.get_by_role("form", name="Second-person release")
    countersign.get_by_label("Your password, to sign").fill(kit.PASSWORD)
    countersign.get_by_role("button", name="Sign as second person").click()
    expect(lab.get_by_text("a second person signs it")).to_be_visible()
    shot(lab, "release-same-person-refused")
    assert ProductUnit.objects.get(pk=unit.pk).status == "quarantine"

    colleague = signed_in(new_page, live_server, second.username, kit.PASSWORD)
    colleague.goto(url)
    countersign = colleague.get_by_role("form", name="Second-person release")
    expect(countersign).to_contain_text("Signed first: Lab_A Tester")
    countersign.get_by_label("Your password, to sign").fill(kit.PASSWORD)
    countersign.get_by_role("button", name="Sign as second person").click()
    expect(colleague.locator(".unit-banner .status")).to_have_text("Released")
    signatures = colleague.get_by_role("region", name="Electronic signatures")
    expect(signatures.locator(".signer")).to_have_text(["Lab_A Tester", "Second Signer"])
    expect(signatures.locator(".meaning")).to_have_text(["Release", "Second-person release"])
    expect(signatures.locator("time").first).to_contain_text(" ")
    shot(colleague, "release-signed-by-two")
    assert ProductUnit.objects.get(pk=unit.pk).release_approver == "Lab_A Tester"
