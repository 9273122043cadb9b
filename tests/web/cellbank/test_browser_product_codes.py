"""In a real browser: the lab enters a unit's whole release panel on one page (a bad value
refuses it whole, naming the field), then opens its label and its printable PDF; screenshots
of both pages are kept for review (docs/cell-products.md#label-elements)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.web.cellbank.models import QcResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBERS = {"Viability": "91", "CD73": "98", "CD90": "97", "CD105": "96", "CD45": "0.5",
           "CD34": "0.7", "CD14": "0.3", "CD79a": "0.2", "HLA-DR": "0.8", "Endotoxin": "0.2"}


def test_lab_enters_the_panel_on_one_page_and_prints_the_label(new_page, live_server, lab_a,
                                                                donor_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    page = new_page(height=1100)
    log_in(page, live_server, "lab_a", kit.PASSWORD, start="/login/")
    page.goto(live_server.url + reverse("cellbank:unit-detail", args=[unit.pk]))
    page.get_by_role("link", name="Enter the whole release panel").click()
    for label, value in NUMBERS.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("CD90", exact=True).fill("150")  # one bad value
    for label in ("Sterility culture", "Gram stain", "Mycoplasma"):
        page.get_by_label(label, exact=True).select_option("negative")
    page.get_by_label("CD73 method").fill("Flow cytometry")
    page.get_by_role("button", name="Record the panel").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("tr.has-error")).to_contain_text("CD90")
    assert not QcResult.objects.exists()
    shot(page, "qc-panel-refused")

    page.get_by_label("CD90", exact=True).fill("97")
    page.get_by_role("button", name="Record the panel").click()
    expect(page.get_by_text("Recorded 13 result(s)")).to_be_visible()
    assert QcResult.objects.filter(unit=unit).count() == 13

    page.get_by_role("link", name="Label").click()
    expect(page.get_by_role("heading", name="As printed, 100 mm × 100 mm")).to_be_visible()
    expect(page.get_by_text("FIN G1234")).to_be_visible()
    label = page.get_by_role("img", name=f"Label of {unit.identified_as}")
    expect(label).to_be_visible()
    # Visible is not loaded: wait for the browser to decode the SVG before measuring it.
    width = label.evaluate("async img => { await img.decode(); return img.naturalWidth; }")
    assert width > 0  # the SVG rendered
    shot(page, "label-page")
    pdf = page.request.get(live_server.url + reverse("cellbank:unit-label-pdf", args=[unit.pk]))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
