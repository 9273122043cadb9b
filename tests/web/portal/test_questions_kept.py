"""The blank questions of a page, kept once rendered (portal/questions.py): shared by every
patient shown the same wording, so they must hold nothing of a patient, change with every
input of their HTML, and never stand in for answers or for a refusal."""

import datetime as dt

import pytest
from tests.web.conftest import make_patient
from tests.web.portal.conftest import ADMINISTERED, TODAY

from orthoregen.instruments.textpacks import text_pack_for
from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.portal import questions
from orthoregen.web.portal.questions import blank_questions, blank_questions_clear

pytestmark = pytest.mark.django_db
PAIN = "How bad has the pain in your"


@pytest.fixture(autouse=True)
def nothing_kept():
    blank_questions_clear()
    yield
    blank_questions_clear()


def other_patients_link(site, mrn, family, *, side="left", language="en"):
    patient = make_patient(site, mrn, family)
    patient.given_name, patient.preferred_language = "Zebedee", language
    patient.save()
    patient.episodes.update(side=side)
    schedule = schedule_create(patient.episodes.get(), administered_on=ADMINISTERED)
    _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))
    return token


def test_the_kept_questions_hold_nothing_of_the_patient_or_the_link(client, link_a, patient_a):
    invitation, path = link_a
    page = client.get(path).content.decode()
    assert "Ada" in page and f"{PAIN} left knee been?" in page
    assert len(questions._blank) == 1
    token = path.split("/")[3]
    for html in questions._blank.values():
        assert f"{PAIN} left knee been?" in html
        for private in ("Ada", "Aardvark", patient_a.mrn, token, token.split(":")[0],
                        invitation.token_digest, "csrfmiddlewaretoken"):
            assert private not in html
    for key in questions._blank:
        assert not any(isinstance(part, str) and ("Ada" in part or token in part)
                       for part in key)


def test_a_second_patients_page_is_the_same_as_rendered_afresh(client, link_a, site_a):
    client.get(link_a[1])
    token = other_patients_link(site_a, "A-0009", "Bunting")
    kept = client.get(f"/portal/q/{token}/").content.decode()
    blank_questions_clear()
    fresh = client.get(f"/portal/q/{token}/").content.decode()
    mask = "csrfmiddlewaretoken"
    assert kept.split(mask)[0] == fresh.split(mask)[0]
    assert kept.split(mask)[1].split(">", 1)[1] == fresh.split(mask)[1].split(">", 1)[1]
    assert "Zebedee" in kept and "Ada" not in kept


def test_each_joint_is_named_in_its_own_questions(client, link_a, site_a):
    client.get(link_a[1])
    token = other_patients_link(site_a, "A-0010", "Curlew", side="right")
    page = client.get(f"/portal/q/{token}/").content.decode()
    assert f"{PAIN} right knee been?" in page and "left knee" not in page
    assert len(questions._blank) == 2


def test_the_key_changes_with_the_patients_language(client, link_a, site_a):
    client.get(link_a[1])
    token = other_patients_link(site_a, "A-0011", "Dunlin", language="es")
    page = client.get(f"/portal/q/{token}/").content.decode()
    # The English wording, marked as English for screen readers, inside a Spanish page.
    assert '<legend lang="en">' in page and "Guardar y continuar" in page
    assert len(questions._blank) == 2
    assert {key[-1] for key in questions._blank} == {"en-gb", "es"}


def test_the_key_changes_with_the_instrument_and_the_wording():
    pain = text_pack_for("nrs_pain", "en")
    vas = text_pack_for("vas_pain", "en")
    assert pain is not None and vas is not None
    first = blank_questions("nrs_pain", pain, "left knee", "")
    assert blank_questions("nrs_pain", pain, "left knee", "") is first
    other = blank_questions("vas_pain", vas, "left knee", "")
    reworded = blank_questions("nrs_pain", pain.__class__(
        **{**pain.__dict__, "title": "Another wording"}), "left knee", "")
    assert other != first and len(questions._blank) == 3 and reworded == first
    with_lang = blank_questions("nrs_pain", pain, "left knee", ' lang="en"')
    assert with_lang != first and len(questions._blank) == 4


def test_only_a_few_are_kept(monkeypatch):
    monkeypatch.setattr(questions, "KEPT", 2)
    pain = text_pack_for("nrs_pain", "en")
    assert pain is not None
    for joint in ("left knee", "right knee", "left hip"):
        blank_questions("nrs_pain", pain, joint, "")
    assert [key[3] for key in questions._blank] == ["right knee", "left hip"]


def test_saved_answers_are_shown_not_the_blank_questions(client, link_a, site_a):
    _, path = link_a
    client.get(path)
    client.post(path, {"step": "0", "NRS": "7", "save_later": "1"})
    assert 'value="7" checked' in client.get(f"{path}?step=0").content.decode()
    # ... and never become another patient's blank questions.
    token = other_patients_link(site_a, "A-0012", "Eider")
    assert " checked" not in client.get(f"/portal/q/{token}/").content.decode()


def test_answers_with_errors_are_rendered_for_that_request(client, link_a):
    _, path = link_a
    client.get(path)
    page = client.post(path, {"step": "0"}).content.decode()
    assert "Please answer this question." in page
    assert 'class="question has-error"' in page
    assert "has-error" not in client.get(path).content.decode()


@pytest.mark.parametrize("spoil", ["used", "expired"])
def test_a_used_or_expired_link_is_refused_though_its_questions_are_kept(
        client, link_a, today, spoil):
    invitation, path = link_a
    assert client.get(path).status_code == 200 and questions._blank
    if spoil == "used":
        invitation.used_at = TODAY
        invitation.save()
    else:
        today.move_to(invitation.expires_at + dt.timedelta(seconds=1))
    before = AccessRecord.objects.count()
    page = client.get(path)
    assert page.status_code == 404
    assert PAIN not in page.content.decode() and "Ada" not in page.content.decode()
    assert AccessRecord.objects.count() == before + 1
    assert "link refused" in AccessRecord.objects.order_by("-sequence").first().detail
