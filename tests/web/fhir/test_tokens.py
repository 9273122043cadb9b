"""API bearer tokens on the FHIR server: the token's user's role and sites apply; an expired,
revoked or unknown token is refused; a token's scopes narrow what it reads."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from orthoregen.web.api.tokens import issue_token, revoke_token
from orthoregen.web.audit.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db
ALL = ["patients:read", "followup:read", "patients:write", "followup:write"]


def token(user, scopes=ALL, days=30):
    return issue_token(user=user, name="partner", scopes=scopes,
                       expires_at=timezone.now() + dt.timedelta(days=days))


def get(client, url, secret):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_token_reads_its_users_patients(client, clinician_a, scored_patient):
    issued = token(clinician_a)
    response = get(client, f"/fhir/r4/Observation?patient={scored_patient.pk}", issued.secret)
    assert response.status_code == 200 and json.loads(response.content)["total"] == 1
    record = AccessRecord.objects.order_by("-sequence").first()
    assert record.user == clinician_a and record.patient == scored_patient


def test_a_token_of_another_sites_user_reads_nothing(client, clinician_b, scored_patient):
    issued = token(clinician_b)
    assert json.loads(get(client, "/fhir/r4/Patient", issued.secret).content)["total"] == 0
    response = get(client, f"/fhir/r4/Patient/{scored_patient.pk}", issued.secret)
    assert response.status_code == 404
    assert not AccessRecord.objects.filter(user=clinician_b, patient=scored_patient).exists()


def test_revoked_expired_and_unknown_tokens_are_refused(client, clinician_a, scored_patient):
    revoked = token(clinician_a)
    revoke_token(token=revoked.token, by=clinician_a)
    expired = token(clinician_a)
    expired.token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    expired.token.save(update_fields=["expires_at"])
    for secret in (revoked.secret, expired.secret, "ort_00000000_nope", "garbage"):
        response = get(client, "/fhir/r4/Patient", secret)
        assert response.status_code == 401, secret
        assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    assert AccessRecord.objects.filter(action=AccessAction.DENIED).count() == 4


def test_a_tokens_scopes_narrow_what_it_reads(client, clinician_a, scored_patient):
    issued = token(clinician_a, scopes=["patients:read"])
    assert get(client, "/fhir/r4/Patient", issued.secret).status_code == 200
    response = get(client, "/fhir/r4/Observation", issued.secret)
    assert response.status_code == 403
