"""Every staff page about one patient shows one patient banner, in one format.

A wrong-patient error starts with a name read in a hurry: the banner must be on every page
about one patient, exactly once, with the same words in the same order. The portal's pages
are the patient's own and are not walked here.
"""

import datetime as dt
import html
import re
import types
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from orthoregen.pathways.consent import ConsentElement
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.followup.models import ReviewTask, Withdrawal
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.procedures import services as procedures
from orthoregen.web.safety.models import AdverseEvent

pytestmark = pytest.mark.django_db

WEB = Path(__file__).resolve().parents[2] / "src" / "orthoregen" / "web"
NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
# patient_a of tests/web/conftest.py: born 17 May 1960, so 65 on 20 April 2026.
IDENTITY = "AARDVARK, Ada MRN A-0001 born 17 May 1960 (65) · female · Clinic A"
BANNER = re.compile(r'<section class="patient-banner" aria-label="Patient">(.*?)</section>',
                    re.DOTALL)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def records(patient_a, clinician_a):
    """Patient A with one record at every stage: consent, a session, a schedule, an event."""
    episode = patient_a.episodes.get()
    on = timezone.localdate() - dt.timedelta(days=3)
    consent = ConsentRecord.objects.create(
        episode=episode, document=consent_document_seed(patient_a.site), consented_on=on,
        consenting_person="Ada Aardvark", taken_by=clinician_a,
        elements_confirmed=sorted(e.value for e in ConsentElement))
    CandidacyDecision.objects.create(
        episode=episode, protocol=protocol_current(patient_a.site), kind="agree",
        outcome="suitable", assessed_on=on, decided_on=on, decided_by=clinician_a)
    procedure = procedures.procedure_start(patient_a, [episode], by=clinician_a,
                                           performed_on=timezone.localdate(),
                                           time_out_completed=True)
    # Administered 15 January: the 3-month visit (1-29 April) is open on 20 April.
    schedule = schedule_create(episode, administered_on=dt.date(2026, 1, 15))
    visit = schedule.visits.get(timepoint="month_3", kind="visit")
    task = ReviewTask.objects.create(visit=visit, kind="call_patient", detail="No reply",
                                     created_at=NOW)
    event = AdverseEvent.objects.create(
        patient=patient_a, episode=episode, term="injection_site_pain",
        onset_on=dt.date(2026, 4, 2), aware_on=dt.date(2026, 4, 2), ctcae_grade=1,
        procedure_relatedness="probable", product_relatedness="unlikely", action="none",
        outcome="recovered", recorded_at=NOW, recorded_by=clinician_a)
    return types.SimpleNamespace(patient=patient_a, episode=episode,
                                 encounter=episode.encounters.get(), consent=consent,
                                 procedure=procedure, visit=visit, task=task, event=event)


def patient_pages(r) -> dict[str, str]:
    """Name every staff page about patient A (GET) with its address."""
    patient, episode = r.patient.pk, r.episode.pk
    return {
        "chart": reverse("patient-detail", args=[patient]),
        "edit demographics": reverse("patient-edit", args=[patient]),
        "add a treated joint": reverse("episode-create", args=[patient]),
        "edit a treated joint": reverse("episode-edit", args=[patient, episode]),
        "record an encounter": reverse("encounter-create", args=[episode]),
        "edit an encounter": reverse("encounter-edit", args=[episode, r.encounter.pk]),
        "consultation episode": reverse("consultation:episode", args=[episode]),
        "intake": reverse("consultation:intake-edit", args=[episode]),
        "consent": reverse("consultation:consent-record", args=[episode]),
        "consent withdrawal": reverse("consultation:consent-withdraw",
                                      args=[episode, r.consent.pk]),
        "printable consent": reverse("consultation:consent-print",
                                     args=[episode, r.consent.pk]),
        "cell products": reverse("cellbank:patient-products", args=[patient]),
        "harvest": reverse("cellbank:harvest-create", args=[patient]),
        "procedure start": reverse("procedures:start", args=[patient]),
        "procedure session": reverse("procedures:detail", args=[r.procedure.pk]),
        "follow-up schedule": reverse("followup:schedule", args=[episode]),
        "follow-up task": reverse("followup:task-close", args=[r.task.pk]),
        "follow-up withdrawal": reverse("followup:withdrawal-create", args=[patient]),
        "joint replacement": reverse("safety:outcome-create", args=[episode]),
        "adverse event form": reverse("safety:ae-create", args=[patient]),
        "adverse event detail": reverse("safety:ae-detail", args=[r.event.pk]),
        "progress report": reverse("registry:patient-report", args=[patient]),
    }


def visible_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def assert_one_banner(content: str, *, is_chart: bool = False) -> None:
    banners = BANNER.findall(content)
    assert len(banners) == 1
    assert content.count('aria-label="Patient"') == 1
    text = visible_text(banners[0])
    assert text.startswith(IDENTITY)
    assert ("Patient chart" in text) is not is_chart
    # No second identity block: the date of birth is printed by the banner alone.
    # (An edit form's date box holds it too, written as pages write dates: clinic/dates.py.)
    assert content.replace('value="17 May 1960"', "").count("17 May 1960") == 1


def test_every_staff_page_about_a_patient_shows_the_banner_once(as_user, clinician_a,
                                                                records):
    client = as_user(clinician_a)
    for name, url in patient_pages(records).items():
        response = client.get(url)
        assert response.status_code == 200, name
        try:
            assert_one_banner(response.content.decode(), is_chart=name == "chart")
        except AssertionError as failure:
            raise AssertionError(f"{name} ({url})") from failure


def test_the_questionnaire_link_page_shows_the_banner_once(as_user, coordinator_a, records):
    response = as_user(coordinator_a).post(reverse("followup:link-create",
                                                   args=[records.visit.pk]))
    assert response.status_code == 200
    assert_one_banner(response.content.decode())


def test_the_chart_names_the_patient_in_its_heading_and_links_nowhere_else(as_user,
                                                                           clinician_a,
                                                                           records):
    content = as_user(clinician_a).get(reverse("patient-detail",
                                               args=[records.patient.pk])).content.decode()
    banner = BANNER.search(content).group(1)
    assert '<h1 class="patient-name">AARDVARK, Ada</h1>' in banner
    assert "<a " not in banner


def test_a_form_page_without_a_patient_has_no_banner(as_user, clinician_a):
    response = as_user(clinician_a).get(reverse("patient-create"))
    assert response.status_code == 200
    assert "patient-banner" not in response.content.decode()


def test_a_refused_form_says_nothing_was_saved_under_the_banner(as_user, clinician_a,
                                                                 records):
    response = as_user(clinician_a).post(
        reverse("followup:withdrawal-create", args=[records.patient.pk]),
        {"withdrawn_on": "2099-01-01"})
    content = response.content.decode()
    assert "Nothing has been saved." in content
    assert not Withdrawal.objects.exists()
    assert_one_banner(content)


def test_only_the_banner_template_formats_the_family_name():
    formatting = re.compile(r"family_name\s*\|\s*upper")
    offenders = sorted(str(path.relative_to(WEB)) for path in WEB.rglob("*.html")
                       if path.name != "patient_banner.html"
                       and formatting.search(path.read_text()))
    assert offenders == []


def test_no_other_template_draws_a_patient_banner():
    drawn = re.compile(r'aria-label="Patient( identification)?"')
    offenders = sorted(str(path.relative_to(WEB)) for path in WEB.rglob("*.html")
                       if path.name != "patient_banner.html" and drawn.search(path.read_text()))
    assert offenders == []
