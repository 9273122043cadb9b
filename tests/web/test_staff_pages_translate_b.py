"""The cell lab, follow-up, registry and safety pages render with another language active.

Their templates put every word through {% translate %} and {% blocktranslate %}; a
blocktranslate with an attribute lookup inside it, or a plural without its counter, raises
only when the page is rendered. So each page is rendered with Spanish active (the site's
language stays English): it must render, leave no template syntax behind, and show the base
template's Spanish words (proof that Spanish really was active). The same pages in English
keep their English words exactly, so the conversion changed no page text.
"""

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from tests.web.cellbank.conftest import (
    DIN_A,
    RECOVERED,
    determine,
    pass_qc,
    receive,
    record_panel,
    release,
)

from orthoregen.web.cellbank.models import Donor
from orthoregen.web.followup.models import SiteFollowUpSettings
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.safety.models import AdverseEvent


@pytest.fixture
def lab_pages(site_a, lab_a):
    """A donor determined eligible and a unit received, tested and released from it."""
    donor = Donor.objects.create(
        site=site_a,
        code="D-001",
        donor_type="umbilical_cord",
        tested_person="Birth mother",
        recovered_on=RECOVERED,
    )
    record_panel(donor, lab_a)
    for step, outcome in (("complete_screening", ""), ("determine", "eligible")):
        determine(donor, lab_a, step, outcome)
    unit = pass_qc(receive(site_a, lab_a, DIN_A, donor), lab_a)
    release(unit, lab_a)
    return [
        ("cellbank:units", []),
        ("cellbank:unit-detail", [unit.pk]),
        ("cellbank:unit-label-page", [unit.pk]),
        ("cellbank:unit-qc-panel", [unit.pk]),
        ("cellbank:donors", []),
        ("cellbank:donor-detail", [donor.pk]),
        ("cellbank:lookback", []),
    ]


@pytest.fixture
def clinic_pages(patient_a):
    episode = patient_a.episodes.get()
    schedule = schedule_create(episode, administered_on=dt.date(2026, 1, 15))
    visit = schedule.visits.get(timepoint="month_3", kind="visit")
    return [
        ("followup:worklist", []),
        ("followup:rates", []),
        ("followup:schedule", [episode.pk]),
        ("followup:entry-choose", [visit.pk]),
        ("safety:ae-list", []),
        ("safety:ae-create", [patient_a.pk]),
        ("registry:dashboard", []),
        ("registry:fitness", []),
        ("registry:ichom", []),
        ("registry:patient-report", [patient_a.pk]),
    ]


def _render(client, name, args, language):
    with translation.override(language):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, (name, response.status_code)
        return response.content.decode()


def _check_spanish(client, pages):
    for name, args in pages:
        page = _render(client, name, args, "es")
        assert "{%" not in page and "{{" not in page and "endblocktranslate" not in page, name
        assert "Cerrar sesión" in page, name  # the base template's Spanish: es was active


@override_settings(LANGUAGE_CODE="en-gb")
def test_cell_lab_pages_render_in_spanish(as_user, lab_a, lab_pages):
    _check_spanish(as_user(lab_a), lab_pages)


@override_settings(LANGUAGE_CODE="en-gb")
def test_follow_up_registry_and_safety_pages_render_in_spanish(as_user, clinician_a, clinic_pages):
    _check_spanish(as_user(clinician_a), clinic_pages)


@override_settings(LANGUAGE_CODE="en-gb")
def test_follow_up_protocol_pages_render_in_spanish(as_user, admin_a):
    from orthoregen.web.followup.models.schedule import ScheduleProtocolVersion

    _check_spanish(
        as_user(admin_a),
        [("followup:protocols", [])]
        + [
            ("followup:protocol-detail", [pk])
            for pk in ScheduleProtocolVersion.objects.values_list("pk", flat=True)[:1]
        ],
    )


def test_an_open_serious_event_renders_its_banner_in_spanish(
    as_user, coordinator_a, clinician_a, site_a, patient_a
):
    # The serious-event banner and report deadlines are blocktranslate with several values.
    SiteFollowUpSettings.objects.create(
        site=site_a, reporting_pathways=["us_ind", "eu_tissues_cells"]
    )
    client = as_user(coordinator_a)
    form = client.get(reverse("safety:ae-create", args=[patient_a.pk])).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', form).group(1)
    response = client.post(
        reverse("safety:ae-create", args=[patient_a.pk]),
        {
            "episode": patient_a.episodes.get().pk,
            "term": "septic_arthritis",
            "onset_on": "2026-04-02",
            "aware_on": "2026-04-03",
            "ctcae_grade": "3",
            "seriousness": ["hospitalisation"],
            "procedure_relatedness": "probably",
            "product_relatedness": "possibly",
            "action": "hospital_admission",
            "outcome": "recovering",
            "needed_intervention": "on",
            "responsible_clinician": clinician_a.pk,
            "submission_token": token,
        },
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    client = as_user(clinician_a)
    for name, args in (
        ("safety:ae-detail", [event.pk]),
        ("safety:ae-list", []),
        ("followup:worklist", []),
    ):
        page = _render(client, name, args, "es")
        assert "{%" not in page and "Cerrar sesión" in page, name
    english = _render(client, "safety:ae-detail", [event.pk], "en-gb")
    # Written from the template: "<strong>{{ report }}</strong> due <strong>{{ due_on }}</strong>"
    assert re.search(
        r"<li><strong>[^<]+</strong> due <strong>[^<]+</strong> <span class=\"help\">", english
    )


def test_english_words_are_unchanged(as_user, lab_a, clinician_a, lab_pages, patient_a):
    """Sentences written by hand from the templates before they were converted."""
    lab = as_user(lab_a)
    units = _render(lab, "cellbank:units", [], "en-gb")
    assert '<p class="count">1 unit</p>' in units
    assert '<nav class="subnav" aria-label="Cell lab">' in units
    unit_pk = lab_pages[1][1][0]
    detail = _render(lab, "cellbank:unit-detail", [unit_pk], "en-gb")
    assert "<h2>Quality control against the release specification</h2>" in detail
    assert "Recall (with every unit divided from it)" in detail
    lookback = _render(lab, "cellbank:lookback", [], "en-gb")
    donors = reverse("cellbank:donors")
    assert (
        f'Open a look-back from a <a href="{donors}">donor</a> or from a unit\'s page.' in lookback
    )
    clinic = as_user(clinician_a)
    worklist = _render(clinic, "followup:worklist", [], "en-gb")
    assert "<strong>0</strong> complications to review</a>" in worklist
