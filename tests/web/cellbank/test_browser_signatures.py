"""In a real browser: a release is signed by re-entering the password, shows the signer's
printed name, time and meaning, and an allogeneic unit waits for a second person
(docs/cell-products.md#electronic-signatures)."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import ProductUnit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("ORTHOREGEN_SCREENSHOTS", "/tmp/orthoregen-screenshots"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: install Debian's chromium package.")
        pytest.skip("No Chromium found (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in(browser, live_server, username, password):
    page = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_an_allogeneic_release_is_signed_twice_with_passwords(browser, live_server, kit,
                                                               site_a, lab_a, donor_a):
    SHOTS.mkdir(parents=True, exist_ok=True)
    second = kit.colleague(lab_a)
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    services.qc_panel_verify(unit, by=second, password=kit.PASSWORD)
    url = f"{live_server.url}/cellbank/units/{unit.pk}/"

    lab = signed_in(browser, live_server, "lab_a", kit.PASSWORD)
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
    lab.screenshot(path=SHOTS / "release-pending-second-signature.png", full_page=True)

    # The first signer cannot be the second person.
    countersign = lab.get_by_role("form", name="Second-person release")
    countersign.get_by_label("Your password, to sign").fill(kit.PASSWORD)
    countersign.get_by_role("button", name="Sign as second person").click()
    expect(lab.get_by_text("a second person signs it")).to_be_visible()
    lab.screenshot(path=SHOTS / "release-same-person-refused.png", full_page=True)
    assert ProductUnit.objects.get(pk=unit.pk).status == "quarantine"

    colleague = signed_in(browser, live_server, second.username, kit.PASSWORD)
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
    colleague.screenshot(path=SHOTS / "release-signed-by-two.png", full_page=True)
    assert ProductUnit.objects.get(pk=unit.pk).release_approver == "Lab_A Tester"
