"""The JSON API: site scoping, roles, token states, the access trail, errors, idempotency."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.web.api.conftest import token_for
from tests.web.conftest import make_patient

from orthoregen.instruments import score
from orthoregen.web.api.models import ApiToken, IdempotentResponse
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Patient
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.safety.models import AdverseEvent

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
NEW_PATIENT = {"mrn": "A-0100", "family_name": "Bloggs", "given_name": "Joe",
               "date_of_birth": "1955-02-03", "sex": "male"}


def ae_body(clinician, **changes):
    body = {"term": "post_injection_flare", "onset_on": "2026-03-05", "aware_on": "2026-03-06",
            "ctcae_grade": 1, "procedure_relatedness": "probably",
            "product_relatedness": "possibly", "action": "medication", "outcome": "recovering",
            "responsible_clinician_id": clinician.pk}
    return {**body, **changes}


def problem_fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    return {error["field"] for error in response.json().get("errors", [])}


# Site scoping: a token sees what its user sees in the pages.

LISTS = ["patients", "episodes", "decisions", "consents", "visits", "questionnaire-responses",
         "adverse-events", "outcome-events", "procedures"]


@pytest.mark.parametrize("resource", LISTS)
def test_another_sites_token_lists_nothing_of_this_site(call, resource, patient_a, clinician_b,
                                                          clinician_a):
    assert call(token_for(clinician_b), "get", f"{V1}/{resource}").json()["items"] == []


def test_another_sites_token_reads_nothing_of_this_site(call, patient_a, clinician_b, lab_a,
                                                         site_b):
    token = token_for(clinician_b)
    episode = patient_a.episodes.get()
    for path in (f"/patients/{patient_a.pk}", f"/episodes/{episode.pk}"):
        response = call(token, "get", V1 + path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    assert call(token_for(clinician_b), "get", f"{V1}/patients",
                {"mrn": patient_a.mrn}).json()["items"] == []


def test_a_token_reads_its_sites_patient(call, patient_a, clinician_a):
    token = token_for(clinician_a)
    listed = call(token, "get", f"{V1}/patients").json()
    assert [row["mrn"] for row in listed["items"]] == ["A-0001"]
    assert listed["next_cursor"] is None
    read = call(token, "get", f"{V1}/patients/{patient_a.pk}").json()
    assert read["site"] == "site-a" and read["family_name"] == "Aardvark"


def test_a_report_for_another_sites_patient_is_404_and_stores_nothing(call, patient_a,
                                                                       clinician_b):
    response = call(token_for(clinician_b), "post",
                    f"{V1}/patients/{patient_a.pk}/adverse-events", ae_body(clinician_b))
    assert response.status_code == 404
    assert not AdverseEvent.objects.exists()


# Token states.

def test_no_token_is_401(call, patient_a):
    response = call(None, "get", f"{V1}/patients")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_expired_and_revoked_tokens_are_refused_with_401(call, clinician_a, patient_a):
    expired = token_for(clinician_a)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = call(expired, "get", f"{V1}/patients")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    revoked = token_for(clinician_a)
    ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()) \
        .update(revoked_at=timezone.now())
    response = call(revoked, "get", f"{V1}/patients")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert call(expired[:-2] + "xx", "get", f"{V1}/patients").status_code == 401


# Roles and scopes.

def test_a_role_the_pages_refuse_is_refused_with_403(call, lab_a, coordinator_a, analyst_a,
                                                      patient_a):
    assert call(token_for(coordinator_a), "get", f"{V1}/product-units").status_code == 403
    assert call(token_for(lab_a), "get", f"{V1}/product-units").status_code == 200
    assert call(token_for(lab_a), "get", f"{V1}/adverse-events").status_code == 403
    # The analyst works on de-identified data and reads no patient, whatever the token says.
    analyst = token_for(analyst_a)
    assert call(analyst, "get", f"{V1}/patients").status_code == 403
    assert call(analyst, "get", f"{V1}/patients/{patient_a.pk}").status_code == 403
    response = call(token_for(coordinator_a), "post",
                    f"{V1}/patients/{patient_a.pk}/adverse-events/", ae_body(coordinator_a))
    assert response.status_code in (403, 404)


def test_the_role_is_refused_before_the_record_is_looked_up(call, analyst_a, patient_a):
    token = token_for(analyst_a)
    for patient_id in (patient_a.pk, patient_a.pk + 1000):
        assert call(token, "get", f"{V1}/patients/{patient_id}").status_code == 403


def test_a_token_without_the_scope_is_refused_with_403(call, clinician_a, patient_a):
    token = token_for(clinician_a, scopes=["patients:read"])
    assert call(token, "get", f"{V1}/patients").status_code == 200
    refused = call(token, "post", f"{V1}/patients", NEW_PATIENT)
    assert refused.status_code == 403 and "patients:write" in refused.json()["detail"]
    assert call(token, "get", f"{V1}/adverse-events").status_code == 403
    assert not Patient.objects.filter(mrn="A-0100").exists()


def test_the_rate_limit_answers_429_per_token(call, clinician_a, patient_a, settings):
    settings.ORTHOREGEN_API_LIMIT_PER_TOKEN = 2
    first, second = token_for(clinician_a), token_for(clinician_a)
    assert [call(first, "get", f"{V1}/patients").status_code for _ in range(3)] == [200, 200,
                                                                                     429]
    assert call(first, "get", f"{V1}/patients")["Retry-After"] == "60"
    assert call(second, "get", f"{V1}/patients").status_code == 200


# The access trail.

def test_every_call_leaves_an_access_record(call, clinician_a, clinician_b, analyst_a,
                                             patient_a):
    token = token_for(clinician_a)
    call(token, "get", f"{V1}/patients")
    listed = AccessRecord.objects.latest("sequence")
    assert (listed.user, listed.action, listed.path) == (clinician_a, AccessAction.SEARCH,
                                                         f"{V1}/patients")
    call(token, "get", f"{V1}/patients/{patient_a.pk}")
    read = AccessRecord.objects.latest("sequence")
    assert (read.action, read.patient) == (AccessAction.VIEW, patient_a)
    episode = patient_a.episodes.get()
    call(token, "get", f"{V1}/episodes/{episode.pk}")
    assert AccessRecord.objects.latest("sequence").patient == patient_a
    # Refusals: another site's patient (404, naming no one) and a refused role (403).
    call(token_for(clinician_b), "get", f"{V1}/patients/{patient_a.pk}")
    denied = AccessRecord.objects.latest("sequence")
    assert (denied.user, denied.action, denied.patient) == (clinician_b, AccessAction.DENIED,
                                                            None)
    call(token_for(analyst_a), "get", f"{V1}/patients")
    assert AccessRecord.objects.latest("sequence").action == AccessAction.DENIED
    assert AccessRecord.objects.latest("sequence").user == analyst_a


def test_a_write_records_the_patient_once(call, clinician_a, site_a):
    before = AccessRecord.objects.count()
    response = call(token_for(clinician_a), "post", f"{V1}/patients", NEW_PATIENT)
    assert response.status_code == 201
    records = AccessRecord.objects.order_by("sequence")[before:]
    assert [(r.action, r.patient.mrn) for r in records] == [(AccessAction.VIEW, "A-0100")]


# Writes: through the pages' forms and services, once per Idempotency-Key.

def test_registering_a_patient_goes_through_the_form(call, clinician_a, site_a, patient_a):
    token = token_for(clinician_a)
    response = call(token, "post", f"{V1}/patients", NEW_PATIENT)
    assert response.status_code == 201
    assert response.json()["site"] == "site-a"
    stored = Patient.objects.get(mrn="A-0100")
    assert stored.history.get().history_user == clinician_a
    clash = call(token, "post", f"{V1}/patients", {**NEW_PATIENT, "mrn": "A-0001"})
    assert clash.status_code == 422 and problem_fields(clash) == {"mrn"}
    future = call(token, "post", f"{V1}/patients",
                  {**NEW_PATIENT, "mrn": "A-0101", "date_of_birth": "2999-01-01"})
    assert future.status_code == 422 and problem_fields(future) == {"date_of_birth"}
    other_site = call(token, "post", f"{V1}/patients", {**NEW_PATIENT, "site": "site-b"})
    assert other_site.status_code == 422 and problem_fields(other_site) == {"site"}


@pytest.mark.parametrize(("body", "field"), [
    ({k: v for k, v in NEW_PATIENT.items() if k != "family_name"}, "family_name"),
    ({**NEW_PATIENT, "date_of_birth": "17/05/1960"}, "date_of_birth"),
    ({**NEW_PATIENT, "sex": "robot"}, "sex"),
    ({**NEW_PATIENT, "mrn": "x" * 33}, "mrn"),
])
def test_bad_input_is_422_naming_the_field(call, clinician_a, site_a, body, field):
    response = call(token_for(clinician_a), "post", f"{V1}/patients", body)
    assert response.status_code == 422
    assert field in problem_fields(response)
    assert not Patient.objects.exists()


def test_bad_query_and_path_values_are_4xx_naming_them(call, clinician_a, patient_a):
    token = token_for(clinician_a)
    response = call(token, "get", f"{V1}/patients", {"limit": 0})
    assert response.status_code == 422 and problem_fields(response) == {"limit"}
    response = call(token, "get", f"{V1}/patients/abc")
    assert response.status_code == 422 and problem_fields(response) == {"patient_id"}
    response = call(token, "get", f"{V1}/patients/{2**70}")
    assert response.status_code == 422 and problem_fields(response) == {"patient_id"}
    response = call(token, "get", f"{V1}/patients", {"cursor": "forged"})
    assert response.status_code == 422 and problem_fields(response) == {"cursor"}
    response = call(token, "get", f"{V1}/patients", {"mrn": "A\x00"})
    assert response.status_code == 422 and problem_fields(response) == {"mrn"}
    response = call(token, "post", f"{V1}/patients", "{not json")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_an_idempotent_retry_stores_once_and_replays_the_answer(call, clinician_a, site_a):
    token = token_for(clinician_a)
    key = {"Idempotency-Key": "register-A-0100"}
    first = call(token, "post", f"{V1}/patients", NEW_PATIENT, headers=key)
    again = call(token, "post", f"{V1}/patients", NEW_PATIENT, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Patient.objects.filter(mrn="A-0100").count() == 1
    assert IdempotentResponse.objects.count() == 1
    changed = call(token, "post", f"{V1}/patients", {**NEW_PATIENT, "given_name": "Jo"},
                   headers=key)
    assert changed.status_code == 422 and problem_fields(changed) == {"Idempotency-Key"}
    assert Patient.objects.filter(mrn="A-0100").count() == 1


def test_a_refused_write_stores_no_idempotent_answer(call, clinician_a, site_a):
    token = token_for(clinician_a)
    key = {"Idempotency-Key": "k1"}
    bad = call(token, "post", f"{V1}/patients", {**NEW_PATIENT, "sex": "robot"}, headers=key)
    assert bad.status_code == 422
    good = call(token, "post", f"{V1}/patients", NEW_PATIENT, headers=key)
    assert good.status_code == 201


def test_an_adverse_event_is_reported_through_the_form_and_service(call, clinician_a,
                                                                  patient_a):
    token = token_for(clinician_a)
    path = f"{V1}/patients/{patient_a.pk}/adverse-events"
    # CTCAE v5.0: grade 5 is death, so the ICH E2A 'results in death' criterion must be met.
    wrong = call(token, "post", path, ae_body(clinician_a, ctcae_grade=5, outcome="fatal"))
    assert wrong.status_code == 422 and problem_fields(wrong) == {"seriousness"}
    other = call(token, "post", path, ae_body(clinician_a, term="other"))
    assert other.status_code == 422 and problem_fields(other) == {"term_other"}
    assert not AdverseEvent.objects.exists()
    episode = patient_a.episodes.get()
    key = {"Idempotency-Key": "ae-1"}
    body = ae_body(clinician_a, episode_id=episode.pk, seriousness=["hospitalisation"])
    made = call(token, "post", path, body, headers=key)
    assert made.status_code == 201, made.content
    assert made.json()["serious"] is True and made.json()["report_dues"]
    assert call(token, "post", path, body, headers=key).json() == made.json()
    assert AdverseEvent.objects.get().recorded_by == clinician_a


def test_an_adverse_events_unknown_episode_is_named(call, clinician_a, patient_a, patient_b):
    response = call(token_for(clinician_a), "post",
                    f"{V1}/patients/{patient_a.pk}/adverse-events",
                    ae_body(clinician_a, episode_id=patient_b.episodes.get().pk))
    assert response.status_code == 422 and problem_fields(response) == {"episode_id"}


def test_a_questionnaire_response_is_scored_by_the_core(call, coordinator_a, patient_a):
    episode = patient_a.episodes.get()
    path = f"{V1}/episodes/{episode.pk}/questionnaire-responses"
    body = {"instrument_id": "nrs_pain", "answers": {"NRS": 7}, "completed_on": "2026-03-01",
            "source": "paper", "timepoint": "baseline"}
    made = call(token_for(coordinator_a), "post", path, body)
    assert made.status_code == 201, made.content
    assert made.json()["scores"] == score("nrs_pain", {"NRS": 7}).values == {"pain": 7.0}
    stored = QuestionnaireResponse.objects.get()
    assert (stored.entered_by, stored.source) == (coordinator_a, "paper")


@pytest.mark.parametrize(("changes", "field"), [
    ({"answers": {"NRS": 11}}, "answers.NRS"),
    ({"answers": {"NOPE": 1}}, "answers.NOPE"),
    ({"instrument_id": "no_such"}, "instrument_id"),
    ({"source": "portal"}, "source"),
    ({"timepoint": None}, "timepoint"),
    ({"completed_on": "2999-01-01"}, "completed_on"),
    ({"answers": {"NRS": "seven"}}, "answers.NRS"),
])
def test_a_bad_questionnaire_response_names_the_field(call, coordinator_a, patient_a,
                                                        changes, field):
    episode = patient_a.episodes.get()
    body = {"instrument_id": "nrs_pain", "answers": {"NRS": 7}, "completed_on": "2026-03-01",
            "source": "paper", "timepoint": "baseline", **changes}
    response = call(token_for(coordinator_a), "post",
                    f"{V1}/episodes/{episode.pk}/questionnaire-responses", body)
    assert response.status_code == 422, response.content
    assert field in problem_fields(response)
    assert not QuestionnaireResponse.objects.exists()


def test_lists_page_by_cursor_without_skipping_or_repeating(call, clinician_a, site_a):
    for n in range(5):
        make_patient(site_a, f"A-{n:04d}", f"Family{n}")
    token = token_for(clinician_a)
    seen, cursor = [], None
    for _ in range(4):
        page = call(token, "get", f"{V1}/patients",
                    {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["mrn"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        make_patient(site_a, f"A-9{len(seen):03d}", "Later")  # added while paging
    assert len(seen) == len(set(seen))
    assert set(seen) >= {f"A-{n:04d}" for n in range(5)}


def test_filters_narrow_a_list(call, clinician_a, site_a, patient_a):
    make_patient(site_a, "A-0002", "Bunting")
    token = token_for(clinician_a)
    rows = call(token, "get", f"{V1}/patients", {"family_name": "bun"}).json()["items"]
    assert [row["mrn"] for row in rows] == ["A-0002"]
    rows = call(token, "get", f"{V1}/episodes", {"patient_id": patient_a.pk}).json()["items"]
    assert [row["patient_id"] for row in rows] == [patient_a.pk]


# The OpenAPI document and its docs page, served from our own files.

def test_the_openapi_document_and_docs_page_load_nothing_from_elsewhere(client):
    schema = client.get(f"{V1}/openapi.json")
    assert schema.status_code == 200
    assert f"{V1}/patients" in schema.json()["paths"]
    docs = client.get(f"{V1}/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_a_racing_retry_answers_409_and_its_write_is_rolled_back(call, clinician_a, site_a,
                                                                  monkeypatch):
    # Two calls with one key both pass the look-up; the second's answer cannot be stored
    # (unique user and key), so its whole transaction, the patient included, rolls back.
    token = token_for(clinician_a)
    first = call(token, "post", f"{V1}/patients", NEW_PATIENT, headers={"Idempotency-Key": "k"})
    assert first.status_code == 201
    real_filter = IdempotentResponse.objects.filter
    monkeypatch.setattr(IdempotentResponse.objects, "filter",
                        lambda **lookup: real_filter(pk=-1) if "key" in lookup
                        else real_filter(**lookup))
    racing = call(token, "post", f"{V1}/patients", {**NEW_PATIENT, "mrn": "A-0200"},
                  headers={"Idempotency-Key": "k"})
    assert racing.status_code == 409
    assert racing["Content-Type"] == "application/problem+json"
    assert not Patient.objects.filter(mrn="A-0200").exists()


def test_a_fault_of_ours_is_a_logged_500_problem_that_names_no_internals(call, clinician_a,
                                                                         patient_a, monkeypatch,
                                                                         caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("orthoregen.web.api.v1.page_of", broken)
    response = call(token_for(clinician_a), "get", f"{V1}/patients")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert b"secret internals" not in response.content
    assert "secret internals" in caplog.text


def test_a_404_on_any_named_record_is_recorded_as_a_refusal(call, clinician_b):
    token = token_for(clinician_b)
    for path in ("decisions", "consents", "questionnaire-responses", "outcome-events",
                 "adverse-events", "visits", "procedures"):
        before = AccessRecord.objects.count()
        response = call(token, "get", f"{V1}/{path}/999999")
        assert response.status_code in (403, 404), path
        assert AccessRecord.objects.count() == before + 1, path
        assert AccessRecord.objects.latest("sequence").action == AccessAction.DENIED


def test_every_api_operation_declares_its_role_actions():
    from django.urls import URLResolver, get_resolver

    api = next(e for e in get_resolver().url_patterns
               if isinstance(e, URLResolver) and e.namespace == "api")
    v1 = next(e for e in api.url_patterns if isinstance(e, URLResolver))
    operations = [p for p in v1.url_patterns
                  if p.name not in {"openapi-json", "openapi-view", "api-root"}]
    assert len(operations) >= 20
    assert all(p.callback.required_actions for p in operations)
