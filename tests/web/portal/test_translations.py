"""The portal and patient messages in the patient's own language (docs/translations.md).

Each patient reads their language for that request or message only: a Spanish patient's
page is followed, in the same process, by an English patient's page in English.
"""

import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from tests.web.conftest import make_patient
from tests.web.portal.conftest import ADMINISTERED, TODAY

from orthoregen.web.clinic.forms import PatientForm
from orthoregen.web.clinic.languages import JOINT_NAMES, Language
from orthoregen.web.followup.models import MessageTemplate
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.reminders import call_script, remind_run
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.followup.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db
NO_COMPLICATIONS = {"step": "1", "new_swelling": "no", "redness": "no", "fever": "no",
                    "pain_much_worse": "no", "hospital_visit": "no"}


def spanish(patient):
    patient.preferred_language = Language.SPANISH
    patient.email, patient.phone = "ana@example.org", "+34 600 000 001"
    patient.save()
    return patient


@pytest.fixture
def english_visit(site_a):
    patient = make_patient(site_a, "A-0002", "Bunting")
    patient.email, patient.phone = "bea@example.org", "+44 7700 900002"
    patient.save()
    schedule = schedule_create(patient.episodes.get(), administered_on=ADMINISTERED)
    return schedule.visits.get(timepoint="month_3", kind="visit")


def link(visit):
    _, token = invitation_create(visit)
    return f"/portal/q/{token}/"


def test_a_spanish_patients_page_is_spanish_and_the_next_english_patients_is_english(
        client, patient_a, visit_a, english_visit):
    spanish(patient_a)
    page = client.get(link(visit_a))
    text = page.content.decode()
    assert page["Content-Language"] == "es" and '<html lang="es">' in text
    assert "Hola, Ada: preguntas sobre su rodilla izquierda" in text
    assert "Responda solo sobre su <strong>rodilla izquierda</strong>." in text
    assert "Guardar y continuar" in text and "Paso 1 de 2" in text and "3 meses" in text
    # No official Spanish wording of the pain scale ships: its items stay English, said so.
    assert "se muestran en inglés" in text
    # The joint inside the English item is named in English too: one language a sentence.
    assert 'lang="en">How bad has the pain in your left knee been?' in text
    assert "Save and continue" not in text

    page = client.get(link(english_visit))  # same process, same client, next patient
    text = page.content.decode()
    assert page["Content-Language"] == "en-gb" and '<html lang="en-gb">' in text
    assert "Hello Ada — questions about your left knee" in text
    assert "Save and continue" in text and "Step 1 of 2" in text
    assert "Guardar" not in text and "se muestran en inglés" not in text
    assert translation.get_language() == "en-gb"  # nothing left active after either request


def test_spanish_errors_complication_questions_and_results(client, patient_a, visit_a):
    spanish(patient_a)
    path = link(visit_a)
    assert "Por favor, responda a esta pregunta." in client.post(path, {"step": "0"}) \
        .content.decode()
    client.post(path, {"step": "0", "NRS": "3"})
    text = client.get(f"{path}?step=1").content.decode()
    assert "¿Ha empeorado mucho el dolor de su rodilla izquierda?" in text
    assert "Desde su última visita" in text and ">Sí<" in text
    assert client.post(path, NO_COMPLICATIONS)["Location"] == "/portal/results/"
    text = client.get("/portal/results/").content.decode()
    assert "Sus resultados a lo largo del tiempo" in text and "Su rodilla izquierda" in text
    assert "antes del tratamiento" not in text  # a 3-month answer, not the baseline


def test_reminders_are_in_each_patients_language_one_after_the_other(
        patient_a, visit_a, english_visit):
    spanish(patient_a)
    LocmemSmsBackend.outbox = []
    assert remind_run(now=TODAY) == {"email": 2}
    by_address = {message.to[0]: message for message in mail.outbox}
    ana, bea = by_address["ana@example.org"], by_address["bea@example.org"]
    assert ana.subject == "Su cuestionario de Clinic A sobre su rodilla izquierda"
    assert bea.subject == "Your Clinic A questionnaire about your left knee"
    assert "Hola, Ada:" in ana.body and "sobre su rodilla izquierda (3 meses)" in ana.body
    # The window closes on 29 April 2026: the month in Spanish, as Django's catalogue says it.
    assert "hasta el 29 Abr 2026" in ana.body
    assert "Dear Ada," in bea.body and "about your left knee (3 months)" in bea.body
    assert "until 29 Apr 2026" in bea.body and "Hola" not in bea.body


def test_a_site_template_is_kept_for_its_own_language_only(patient_a, visit_a, english_visit,
                                                            site_a):
    spanish(patient_a)
    MessageTemplate.objects.create(site=site_a, channel="email", subject="From the clinic",
                                   body="Dear $given_name, please answer: $link")
    remind_run(now=TODAY)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["bea@example.org"].subject == "From the clinic"
    # The site wrote English; the Spanish patient gets the default wording in Spanish.
    assert by_address["ana@example.org"].subject == \
        "Su cuestionario de Clinic A sobre su rodilla izquierda"


def test_the_call_script_is_for_staff_and_names_the_patients_language(patient_a, visit_a):
    spanish(patient_a)
    script = call_script(visit_a)
    assert script.startswith("No reply to email or text for the 3 months questionnaire")
    assert "about the left knee" in script and script.endswith("The patient prefers Spanish.")


def test_a_clinic_installed_spanish_pack_is_used_instead_of_the_english_wording(
        client, settings, tmp_path, patient_a, visit_a):
    # A stand-in for a clinic's licensed official translation: test wording, never shipped.
    settings.DATA_DIR = tmp_path
    (tmp_path / "textpacks").mkdir()
    options = {str(code): f"{code} (prueba)" for code in range(11)}
    (tmp_path / "textpacks" / "nrs_pain.es.json").write_text(json.dumps({
        "instrument": "nrs_pain", "language": "es", "title": "Dolor (texto de prueba)",
        "instructions": "Texto de prueba.",
        "items": {"NRS": {"text": "Pregunta de prueba", "options": options}}}))
    spanish(patient_a)
    text = client.get(link(visit_a)).content.decode()
    assert "Pregunta de prueba" in text and "Dolor (texto de prueba)" in text
    assert "se muestran en inglés" not in text


def test_every_joint_and_side_has_a_spanish_name():
    with translation.override("es"):
        names = {key: str(name) for key, name in JOINT_NAMES.items()}
    assert names[("right", "knee")] == "rodilla derecha"
    assert names[("left", "shoulder")] == "hombro izquierdo"
    assert len(set(names.values())) == 6


def test_staff_choose_the_language_on_the_patient_form(patient_a, clinician_a):
    data = {"mrn": patient_a.mrn, "family_name": "Aardvark", "given_name": "Ada",
            "date_of_birth": "1960-05-17", "sex": "female", "preferred_language": "es"}
    form = PatientForm(data, instance=patient_a, user=clinician_a)
    assert form.is_valid(), form.errors
    assert form.save().preferred_language == "es"
    assert not PatientForm({**data, "preferred_language": "fr"}, instance=patient_a,
                           user=clinician_a).is_valid()
    left_out = {key: value for key, value in data.items() if key != "preferred_language"}
    assert PatientForm(left_out, instance=patient_a, user=clinician_a).save() \
        .preferred_language == "es"  # kept, not reset to English


def test_the_patient_page_saves_the_language_chosen(as_user, patient_a, clinician_a):
    # Through the staff page and its service, not only the form: the view must pass it on.
    data = {"mrn": patient_a.mrn, "family_name": "Aardvark", "given_name": "Ada",
            "date_of_birth": "1960-05-17", "sex": "female", "preferred_language": "es",
            "site": patient_a.site_id}
    response = as_user(clinician_a).post(reverse("patient-edit", args=[patient_a.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    patient_a.refresh_from_db()
    assert patient_a.preferred_language == "es"


def test_a_refused_link_looks_the_same_whatever_the_patients_language(client, patient_a,
                                                                      visit_a):
    # The refusal page must not tell a used link of a Spanish patient from a made-up one.
    spanish(patient_a)
    invitation, token = invitation_create(visit_a)
    invitation.used_at = TODAY
    invitation.save()
    used = client.get(f"/portal/q/{token}/")
    made_up = client.get("/portal/q/1.not-a-link/")
    assert used.status_code == made_up.status_code == 404
    assert '<html lang="en-gb">' in used.content.decode()
    assert used.content == made_up.content
