"""In Chromium: a coordinator uploads a study, a clinician opens it from the chart and reads it."""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot
from tests.web.imaging.conftest import mr_images

from orthoregen.web.imaging.models import MriStudy, StructuralMeasure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_uploaded_study_is_read_from_the_patient_chart(
        page, live_server, tmp_path, site_a, mri_visit_a, coordinator_a, clinician_a):
    folder = mr_images(tmp_path / "study", series=3)
    log_in(page, live_server, "coordinator_a")
    page.goto(f"{live_server.url}/imaging/upload/")
    page.get_by_label("DICOM files or one zip").set_input_files(sorted(folder.iterdir()))
    page.get_by_role("button", name="Receive").click()
    expect(page.get_by_text("stored 3 images for 6 months MRI")).to_be_visible()
    shot(page, "imaging-study")
    study = MriStudy.objects.get()
    page.get_by_role("button", name="Sign out").click()

    log_in(page, live_server, "clinician_a")
    page.goto(f"{live_server.url}/patients/{study.patient_id}/")
    page.get_by_role("link", name="6 months MRI of 20 Jul 2026").click()
    expect(page.get_by_text("T2 AX")).to_be_visible()
    page.get_by_role("link", name="Record a measure").click()
    page.get_by_label("Region").select_option("t_mc")
    page.get_by_label("Measure").select_option("worms_cartilage")
    page.get_by_label("Value").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("takes only 0, 1, 2, 2.5, 3, 4, 5, 6")).to_be_visible()
    shot(page, "imaging-measure-refused")
    page.get_by_label("Value").fill("2.5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recorded: WORMS cartilage")).to_be_visible()
    assert StructuralMeasure.objects.get().value == 2.5
