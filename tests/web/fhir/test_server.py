"""The read and search server: parameters, paging, errors as OperationOutcome, who may read.

A site's patients are visible only to its own staff, by session or by API token, exactly as
in the pages (accounts.access.scope); every call leaves an access record.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from orthoregen.web.audit.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"


def body(response):
    assert response["Content-Type"] == FHIR, response.content[:200]
    return json.loads(response.content)


def issue(response):
    data = body(response)
    assert data["resourceType"] == "OperationOutcome"
    return data["issue"][0]


@pytest.fixture
def clinic(as_user, clinician_a, scored_patient):
    return as_user(clinician_a)


def test_metadata_is_a_valid_capability_statement(clinic):
    data = body(clinic.get("/fhir/r4/metadata"))
    CapabilityStatement.model_validate(data)
    types = {r["type"] for r in data["rest"][0]["resource"]}
    assert {"Patient", "Observation", "BiologicallyDerivedProduct", "Questionnaire"} <= types


def test_metadata_is_readable_without_signing_in_and_nothing_else_is(client, scored_patient):
    response = client.get("/fhir/r4/metadata")
    assert response.status_code == 200
    CapabilityStatement.model_validate(body(response))
    assert client.post("/fhir/r4/metadata").status_code == 405
    for path in ("/fhir/r4/Patient", f"/fhir/r4/Patient/{scored_patient.pk}",
                 "/fhir/r4/Questionnaire", "/fhir/r4/$export", "/fhir/r4/bulk/" + "0" * 32):
        refused = client.get(path, HTTP_PREFER="respond-async")
        assert refused.status_code == 401, path
        assert issue(refused)["code"] == "login"
    assert not AccessRecord.objects.filter(patient__isnull=False).exists()


def test_read_a_patient_and_a_missing_one(clinic, scored_patient):
    data = body(clinic.get(f"/fhir/r4/Patient/{scored_patient.pk}"))
    assert data["name"][0]["family"] == "Aardvark"
    missing = clinic.get("/fhir/r4/Patient/999999")
    assert missing.status_code == 404 and issue(missing)["code"] == "not-found"
    assert clinic.get("/fhir/r4/Patient/not-an-id").status_code == 404


def test_search_by_patient_returns_a_valid_searchset(clinic, scored_patient):
    response = clinic.get(f"/fhir/r4/Observation?patient=Patient/{scored_patient.pk}")
    data = body(response)
    Bundle.model_validate(data)
    assert data["type"] == "searchset"
    assert {e["resource"]["code"]["coding"][0]["code"] for e in data["entry"]} == {
        "koos.pain", "koos.symptoms", "koos.adl", "koos.sport_rec", "koos.qol"}
    observation_id = data["entry"][0]["resource"]["id"]
    assert body(clinic.get(f"/fhir/r4/Observation/{observation_id}"))["id"] == observation_id


def test_search_by_id_identifier_and_last_updated(clinic, scored_patient):
    pk = scored_patient.pk
    assert body(clinic.get(f"/fhir/r4/Patient?_id={pk}"))["total"] == 1
    mrn = "https://orthoregen.org/fhir/sid/mrn/site-a|A-0001"
    assert body(clinic.get(f"/fhir/r4/Patient?identifier={mrn}"))["total"] == 1
    assert body(clinic.get("/fhir/r4/Patient?identifier=B-0001"))["total"] == 0
    today = timezone.now().date()
    assert body(clinic.get(f"/fhir/r4/Condition?_lastUpdated=ge{today}"))["total"] == 1
    later = today + dt.timedelta(days=2)
    assert body(clinic.get(f"/fhir/r4/Condition?_lastUpdated=ge{later}"))["total"] == 0
    data = body(clinic.get("/fhir/r4/QuestionnaireResponse?identifier=fhir-test-koos-1"))
    assert data["total"] == 1 and data["entry"][0]["resource"]["meta"]["lastUpdated"]


def test_count_pages_with_next_and_previous_links(clinic, site_a):
    from tests.web.conftest import make_patient

    for n in range(5):
        make_patient(site_a, f"P-{n}", f"Page{n}")
    first = body(clinic.get("/fhir/r4/Patient?_count=2"))
    assert first["total"] == 6 and len(first["entry"]) == 2
    relations = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in relations
    second = body(clinic.get(relations["next"].split("testserver")[1]))
    assert {link["relation"] for link in second["link"]} >= {"next", "previous"}
    seen = {e["resource"]["id"] for e in first["entry"]} | \
        {e["resource"]["id"] for e in second["entry"]}
    assert len(seen) == 4


@pytest.mark.parametrize(("url", "status", "code"), [
    ("/fhir/r4/Patient?colour=blue", 400, "invalid"),
    ("/fhir/r4/Patient?_count=lots", 400, "invalid"),
    ("/fhir/r4/Condition?_lastUpdated=yesterday", 400, "invalid"),
    ("/fhir/r4/Condition?patient=Group/1", 400, "invalid"),
    ("/fhir/r4/Medication", 404, "not-supported"),
    ("/fhir/r4/Observation/12", 404, "not-found"),
])
def test_bad_requests_get_an_operation_outcome_and_a_4xx(clinic, url, status, code):
    response = clinic.get(url)
    assert response.status_code == status
    assert issue(response)["code"] == code


def test_another_sites_clinician_reads_nothing(as_user, clinician_b, scored_patient):
    client = as_user(clinician_b)
    assert body(client.get("/fhir/r4/Patient"))["total"] == 0
    assert body(client.get(f"/fhir/r4/Observation?patient={scored_patient.pk}"))["total"] == 0
    assert client.get(f"/fhir/r4/Patient/{scored_patient.pk}").status_code == 404


def test_a_role_that_may_not_see_patients_is_refused(as_user, analyst_a, scored_patient):
    response = as_user(analyst_a).get(f"/fhir/r4/Patient/{scored_patient.pk}")
    assert response.status_code == 403 and issue(response)["code"] == "forbidden"


def test_an_anonymous_caller_gets_401(client, scored_patient):
    response = client.get("/fhir/r4/Patient")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_every_call_and_every_refusal_is_in_the_access_trail(clinic, as_user, analyst_a,
                                                              scored_patient):
    before = AccessRecord.objects.count()
    clinic.get(f"/fhir/r4/Patient/{scored_patient.pk}")
    record = AccessRecord.objects.order_by("-sequence").first()
    assert record.patient == scored_patient and record.action == AccessAction.VIEW
    clinic.get(f"/fhir/r4/Observation?patient={scored_patient.pk}")
    record = AccessRecord.objects.order_by("-sequence").first()
    assert record.action == AccessAction.SEARCH and record.patient == scored_patient
    as_user(analyst_a).get("/fhir/r4/Patient")
    record = AccessRecord.objects.order_by("-sequence").first()
    assert record.action == AccessAction.DENIED and record.patient is None
    assert AccessRecord.objects.count() == before + 3  # one each, none twice


def test_questionnaire_wording_needs_the_sites_licence(clinic, site_a, tmp_path, settings):
    from orthoregen.web.accounts.models import InstrumentLicence

    koos = body(clinic.get("/fhir/r4/Questionnaire/koos"))
    assert all("text" not in item for item in koos["item"])
    sane = body(clinic.get("/fhir/r4/Questionnaire/sane"))  # wording ships with the code
    assert sane["item"][0]["text"]
    InstrumentLicence.objects.create(site=site_a, instrument_id="koos", licence_reference="L1",
                                     valid_from=dt.date(2020, 1, 1))
    koos = body(clinic.get("/fhir/r4/Questionnaire/koos"))
    # Licensed, but no text pack installed: still no wording.
    assert all("text" not in item for item in koos["item"])
