"""Import: transaction bundles over HTTP and the command line; all or nothing; idempotent;
and the round trip of a synthetic cohort into an empty database."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.consultation.models import ConsentDocument, ConsentRecord, PriorInjection
from orthoregen.web.fhir.importer import ImportRefused, import_bundle
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.safety.models import AdverseEvent

from .conftest import export_folder
from .summary import summary

pytestmark = pytest.mark.django_db
MRN = "https://orthoregen.org/fhir/sid/mrn/site-a"
SCORE = "https://orthoregen.org/fhir/CodeSystem/score"
EPISODE = "https://orthoregen.org/fhir/StructureDefinition/joint-episode"


def knee_bundle(*, answer=1, mrn="EXT-1", observation_value=75.0, site_system=MRN):
    koos_items = __import__("orthoregen.instruments", fromlist=["get_instrument"]) \
        .get_instrument("koos").items
    entries = [
        {"fullUrl": "urn:uuid:p1", "resource": {
            "resourceType": "Patient", "identifier": [{"system": site_system, "value": mrn}],
            "name": [{"family": "Imported", "given": ["Iris"]}], "gender": "female",
            "birthDate": "1958-02-03"}},
        {"fullUrl": "urn:uuid:c1", "resource": {
            "resourceType": "Condition", "subject": {"reference": "urn:uuid:p1"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                 "code": "M17.11"}]},
            "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "49076000"}],
                          "extension": [{"url": "https://orthoregen.org/fhir/Structure"
                                                "Definition/laterality",
                                         "valueCodeableConcept": {"coding": [{
                                             "system": "http://snomed.info/sct",
                                             "code": "24028007"}]}}]}]}},
        {"fullUrl": "urn:uuid:q1", "resource": {
            "resourceType": "QuestionnaireResponse", "status": "completed",
            "identifier": {"system": "https://example.org/proms", "value": f"ext-{mrn}-koos"},
            "questionnaire": "https://orthoregen.org/fhir/Questionnaire/koos",
            "subject": {"reference": "urn:uuid:p1"}, "authored": "2026-05-04T10:00:00Z",
            "extension": [{"url": EPISODE, "valueReference": {"reference": "urn:uuid:c1"}}],
            "item": [{"linkId": item.id, "answer": [{"valueInteger": answer}]}
                     for item in koos_items]}},
        {"fullUrl": "urn:uuid:o1", "resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": SCORE, "code": "koos.pain"}]},
            "subject": {"reference": "urn:uuid:p1"},
            "derivedFrom": [{"reference": "urn:uuid:q1"}],
            "valueQuantity": {"value": observation_value}}},
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def post(client, bundle):
    return client.post("/fhir/r4/", data=json.dumps(bundle),
                       content_type="application/fhir+json")


def counts():
    return (Patient.objects.count(), JointEpisode.objects.count(),
            QuestionnaireResponse.objects.count())


def test_a_transaction_stores_once_however_often_it_is_sent(as_user, clinician_a):
    client = as_user(clinician_a)
    before = counts()
    first = post(client, knee_bundle())
    assert first.status_code == 200, first.content
    data = json.loads(first.content)
    assert data["type"] == "transaction-response"
    assert data["entry"][0]["response"]["status"] == "201 Created"
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    stored = QuestionnaireResponse.objects.get(idempotency_key="ext-EXT-1-koos")
    assert stored.scores["pain"] == pytest.approx(75.0)  # scored here, from the answers
    assert stored.episode.joint == "knee" and stored.episode.side == "right"
    again = post(client, knee_bundle())
    assert again.status_code == 200
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert {e["response"]["status"] for e in json.loads(again.content)["entry"]} == {"200 OK"}


@pytest.mark.parametrize(("bundle", "named"), [
    # An invalid resource (a code that is not a string): rejected by its R4B model.
    (lambda b: b["entry"][3]["resource"].update(status={"bad": 1}) or b, "Bundle.entry[3]"),
    # An answer outside KOOS's codes 0-4.
    (lambda b: b["entry"][2]["resource"]["item"][0]["answer"][0].update(valueInteger=9) or b,
     "Bundle.entry[2]"),
    # A score that contradicts the answers it is derived from.
    (lambda b: b["entry"][3]["resource"]["valueQuantity"].update(value=12.0) or b,
     "Bundle.entry[3]"),
    # A type this server does not import.
    (lambda b: b["entry"].append({"resource": {"resourceType": "Medication"}}) or b,
     "Bundle.entry[4]"),
    # A family name longer than the record holds (100 characters).
    (lambda b: b["entry"][0]["resource"]["name"][0].update(family="A" * 300) or b,
     "Bundle.entry[0]"),
    # A gender that is not one of FHIR's four codes.
    (lambda b: b["entry"][0]["resource"].update(gender="dragon") or b, "Bundle.entry[0]"),
    # A knee with an ICD-10-CM code of the hip.
    (lambda b: b["entry"][1]["resource"]["code"]["coding"][0].update(code="M16.11") or b,
     "Bundle.entry[1]"),
])
def test_a_bad_resource_rejects_its_whole_bundle(as_user, clinician_a, bundle, named):
    before = counts()
    response = post(as_user(clinician_a), bundle(knee_bundle()))
    assert response.status_code == 422, response.content
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"][0].startswith(named)
    assert named in outcome["issue"][0]["diagnostics"]
    assert counts() == before  # nothing of the bundle was kept


def test_a_patient_of_another_site_is_refused(as_user, clinician_a, site_b):
    before = counts()
    response = post(as_user(clinician_a), knee_bundle(
        site_system="https://orthoregen.org/fhir/sid/mrn/site-b"))
    assert response.status_code == 422 and b"not one of yours" in response.content
    assert counts() == before


def test_not_json_and_not_a_bundle_are_400(as_user, clinician_a):
    client = as_user(clinician_a)
    response = client.post("/fhir/r4/", data="{", content_type="application/fhir+json")
    assert response.status_code == 400
    response = post(client, {"resourceType": "Patient"})
    assert response.status_code == 400


def test_a_role_that_may_not_register_patients_cannot_post(as_user, lab_a):
    response = post(as_user(lab_a), knee_bundle())
    assert response.status_code == 403


def test_a_standalone_loinc_score_is_stored(clinician_a):
    bundle = knee_bundle()
    bundle["entry"] = bundle["entry"][:2] + [{"resource": {
        "resourceType": "Observation", "status": "final",
        "identifier": [{"system": "https://example.org/obs", "value": "o-77"}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "72102-7"}]},
        "subject": {"reference": "urn:uuid:p1"}, "focus": [{"reference": "urn:uuid:c1"}],
        "effectiveDateTime": "2026-05-04", "valueQuantity": {"value": 61.1}}}]
    import_bundle(bundle, user=clinician_a)
    import_bundle(bundle, user=clinician_a)
    stored = QuestionnaireResponse.objects.get(idempotency_key="fhir-observation:o-77")
    assert stored.instrument_id == "koos" and stored.scores == {"pain": 61.1}


def test_the_importer_refuses_a_bundle_of_the_wrong_type(clinician_a):
    with pytest.raises(ImportRefused):
        import_bundle({"resourceType": "Bundle", "type": "searchset"}, user=clinician_a)


def _more_adverse_events(site, clinician):
    """A serious event of another term, and one of the patient rather than of a joint (the
    synthetic cohort records one non-serious event of a joint)."""
    import datetime as dt

    from orthoregen.web.safety.services import AdverseEventReport, adverse_event_record

    patient = Patient.objects.filter(site=site).order_by("pk").first()
    common = {"procedure_relatedness": "unlikely", "product_relatedness": "not_related",
              "onset_on": dt.date(2026, 3, 2), "aware_on": dt.date(2026, 3, 3)}
    adverse_event_record(patient, by=clinician, report=AdverseEventReport(
        episode=patient.episodes.first(), term="other", term_other="Calf cramp",
        ctcae_grade=3, seriousness=("hospitalisation", "medically_important"),
        action="hospital_admission", outcome="recovered", resolved_on=dt.date(2026, 3, 9),
        needed_intervention=True, **common))
    adverse_event_record(patient, by=clinician, report=AdverseEventReport(
        term="vasovagal_reaction", ctcae_grade=1, action="none", outcome="recovered",
        **common))


def test_round_trip_into_an_empty_database(cohort, clinician_a, tmp_path):
    """Export the synthetic cohort, import it into a fresh SQLite database, compare."""
    _more_adverse_events(cohort, clinician_a)
    folder = export_folder(tmp_path)
    expected = json.loads(summary(cohort.code))
    for part in ("patients", "episodes", "scores", "adverse_events", "encounters", "consents",
                 "procedures"):
        assert expected[part], part  # the comparison below must compare something
    assert any(event[8] for event in expected["adverse_events"])  # a serious one among them
    assert any(consent[-1] for consent in expected["consents"])  # and a withdrawn consent
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ORTHOREGEN_ENV="test", ORTHOREGEN_DATA_DIR=str(data_dir))
    migrated = subprocess.run([sys.executable, "-m", "orthoregen.cli", "migrate"], env=env,
                              capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from orthoregen.web.django_setup import setup_django
setup_django()
from orthoregen.web.accounts.models import Site, User
from orthoregen.cli import main
site = Site.objects.create(code={cohort.code!r}, name="Empty clinic")
user = User.objects.create_user("importer", role="clinician")
user.sites.set([site])
assert main(["fhir", "import", {str(folder)!r}, "--as-user", "importer"]) == 0
assert main(["fhir", "import", {str(folder)!r}, "--as-user", "importer"]) == 0
from summary import summary
print("SUMMARY" + summary({cohort.code!r}))
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.split("SUMMARY", 1)[1])
    assert got["patients"] == expected["patients"]
    assert got["episodes"] == expected["episodes"]
    assert got["scores"] == expected["scores"]
    # Events: grade, seriousness criteria, dates, joint, causality, action and outcome.
    assert got["adverse_events"] == expected["adverse_events"]
    assert got["encounters"] == expected["encounters"]
    assert got["consents"] == expected["consents"]
    # Injection sessions come back as prior biologic injections of the same joint and day,
    # not as sessions: no released unit or bedside check exists in the new database.
    assert expected["prior_biologics"] == []
    assert got["procedures"] == []
    assert got["prior_biologics"] == expected["procedures"]


# ---------------------------------------------------------------------------- events

EXT = "https://orthoregen.org/fhir/StructureDefinition/"
JOINT = {"url": EPISODE, "valueReference": {"reference": "urn:uuid:c1"}}


def adverse_event(**changes):
    resource = {
        "resourceType": "AdverseEvent", "actuality": "actual",
        "subject": {"reference": "urn:uuid:p1"},
        "event": {"coding": [{"system": "https://orthoregen.org/fhir/CodeSystem/"
                                        "adverse-event-term", "code": "septic_arthritis"}]},
        "date": "2026-05-10", "detected": "2026-05-11",
        "seriousness": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                              "adverse-event-seriousness",
                                    "code": "serious"}]},
        "outcome": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                          "adverse-event-outcome", "code": "resolved"}]},
        "extension": [
            JOINT, {"url": EXT + "ctcae-grade", "valueInteger": 3},
            {"url": EXT + "ich-e2a-criterion", "valueCode": "hospitalisation"},
            {"url": EXT + "procedure-relatedness", "valueCode": "probably"},
            {"url": EXT + "product-relatedness", "valueCode": "possibly"},
            {"url": EXT + "action-taken", "valueCode": "antibiotics"},
            {"url": EXT + "expected", "valueBoolean": False},
            {"url": EXT + "involves-communicable-disease", "valueBoolean": False},
            {"url": EXT + "needed-intervention", "valueBoolean": True},
            {"url": EXT + "resolved-on", "valueDate": "2026-06-01"}]}
    resource.update(changes)
    return resource


def events_bundle(*extra):
    bundle = knee_bundle()
    day = "2026-05-04"
    bundle["entry"] += [{"resource": r} for r in (
        adverse_event(),
        {"resourceType": "Encounter", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                   "code": "AMB"},
         "type": [{"coding": [{"system": "https://orthoregen.org/fhir/CodeSystem/"
                                         "encounter-kind", "code": "procedure"}]}],
         "subject": {"reference": "urn:uuid:p1"}, "period": {"start": day, "end": day},
         "reasonReference": [{"reference": "urn:uuid:c1"}]},
        {"resourceType": "Consent", "status": "inactive",
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                               "code": "treatment"}]},
         "category": [{"text": "Informed consent to treatment"}],
         "patient": {"reference": "urn:uuid:p1"}, "dateTime": "2026-04-01",
         "performer": [{"display": "Iris Imported"}],
         "sourceAttachment": {"title": "Consent to MSC injection, version 3",
                              "data": base64.b64encode(b"I agree to the injection.").decode()},
         "policyRule": {"text": "Consent to MSC injection, version 3"},
         "provision": {"type": "permit", "period": {"start": "2026-04-01",
                                                    "end": "2026-04-20"}},
         "extension": [JOINT, {"url": EXT + "consenting-as", "valueCode": "patient"}]},
        {"resourceType": "Procedure", "status": "completed",
         "subject": {"reference": "urn:uuid:p1"}, "performedDateTime": day,
         "reasonReference": [{"reference": "urn:uuid:c1"}]},
        *extra)]
    return bundle


def event_counts():
    return (AdverseEvent.objects.count(), Encounter.objects.count(),
            ConsentRecord.objects.count(), PriorInjection.objects.count())


def test_events_are_stored_once_with_their_clock_and_no_alert(clinician_a, mailoutbox):
    import_bundle(events_bundle(), user=clinician_a)
    import_bundle(events_bundle(), user=clinician_a)
    assert event_counts() == (1, 1, 1, 1)
    event = AdverseEvent.objects.get()
    assert (event.ctcae_grade, event.seriousness, event.episode.side) == (
        3, ["hospitalisation"], "right")
    assert event.procedure_relatedness == "probably" and event.outcome == "recovered"
    assert event.report_dues  # the reporting clock started, as for a recorded event
    assert mailoutbox == []  # reported in the sending system: no alert from here
    consent = ConsentRecord.objects.get()
    assert str(consent.withdrawn_on) == "2026-04-20" and consent.taken_by is None
    assert consent.document.text == "I agree to the injection."
    assert consent.document.status == "draft"
    prior = PriorInjection.objects.get()
    assert (prior.agent, prior.joint, prior.side, str(prior.given_on)) == (
        "other_biologic", "knee", "right", "2026-05-04")


def test_a_withdrawal_sent_later_is_recorded_on_the_imported_consent(clinician_a):
    active = events_bundle()
    consent = active["entry"][6]["resource"]
    assert consent["resourceType"] == "Consent"
    consent["status"] = "active"
    del consent["provision"]["period"]["end"]
    import_bundle(active, user=clinician_a)
    assert ConsentRecord.objects.get().withdrawn_on is None
    import_bundle(events_bundle(), user=clinician_a)
    assert str(ConsentRecord.objects.get().withdrawn_on) == "2026-04-20"


def test_two_equal_events_in_one_bundle_are_two(clinician_a):
    bundle = events_bundle(adverse_event())
    import_bundle(bundle, user=clinician_a)
    import_bundle(bundle, user=clinician_a)
    assert AdverseEvent.objects.count() == 2


@pytest.mark.parametrize(("resource", "says"), [
    # No causality assessment sent: refused, not guessed.
    (adverse_event(extension=[JOINT, {"url": EXT + "ctcae-grade", "valueInteger": 3},
                              {"url": EXT + "ich-e2a-criterion",
                               "valueCode": "hospitalisation"}]), "procedure-relatedness"),
    (adverse_event(seriousness={"coding": [{"code": "non-serious"}]}), "disagree"),
    (adverse_event(outcome={"coding": [{"code": "better"}]}), "outcome"),
    ({"resourceType": "Procedure", "status": "completed",
      "subject": {"reference": "urn:uuid:p1"}, "performedDateTime": "2026-05-04"},
     "joint (Condition)"),
])
def test_an_event_that_cannot_be_kept_faithfully_rejects_the_bundle(clinician_a, resource,
                                                                     says):
    before = counts(), event_counts()
    bundle = knee_bundle()
    bundle["entry"].append({"resource": resource})
    with pytest.raises(ImportRefused) as refused:
        import_bundle(bundle, user=clinician_a)
    assert "Bundle.entry[4]" in refused.value.message and says in refused.value.message
    assert (counts(), event_counts()) == before


def test_a_consent_to_other_wording_than_the_stored_document_is_refused(clinician_a,
                                                                       site_a):
    ConsentDocument.objects.create(site=site_a, title="Consent to MSC injection",
                                   version="3", text="Different words.", status="published")
    with pytest.raises(ImportRefused, match="another wording"):
        import_bundle(events_bundle(), user=clinician_a)
    assert event_counts() == (0, 0, 0, 0)


def test_a_role_that_may_not_record_consent_cannot_post_one(as_user, coordinator_a):
    before = counts(), event_counts()
    response = post(as_user(coordinator_a), events_bundle())
    assert response.status_code == 403 and b"Consent" in response.content
    assert (counts(), event_counts()) == before
