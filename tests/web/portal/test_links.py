"""Private links: only the right, unused, unexpired link opens; every refusal is audited."""

import datetime as dt

import pytest
from django.core.signing import TimestampSigner
from tests.web.portal.conftest import ADMINISTERED

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import VisitState
from orthoregen.web.followup.questionnaires import (
    SIGNER,
    LinkRefused,
    invitation_create,
    invitation_open,
    invitation_visits,
)
from orthoregen.web.followup.services import schedule_create, withdrawal_record

pytestmark = pytest.mark.django_db
FRIENDLY = "This link cannot be used"


def refusals() -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(detail__startswith="portal: link refused"))


def assert_refused_revealing_nothing(response, patient) -> None:
    page = response.content.decode()
    assert response.status_code == 404
    assert FRIENDLY in page
    for secret in (patient.family_name, patient.given_name, patient.mrn, "knee", "3 months"):
        assert secret.lower() not in page.lower()


def test_valid_link_opens_the_first_questionnaire_and_is_audited(client, link_a, patient_a):
    invitation, path = link_a
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 of 2" in page and "Pain" in page  # knee: pain NRS, then complications
    record = AccessRecord.objects.get(detail__startswith="portal: questionnaire")
    assert record.user is None and record.patient == patient_a
    assert f"invitation={invitation.pk}" in record.detail


def test_expired_link_is_refused(client, visit_a, patient_a, today):
    invitation, token = invitation_create(visit_a)
    today.shift(dt.timedelta(days=31))  # links last 30 days (and never past the window)
    response = client.get(f"/portal/q/{token}/")
    assert_refused_revealing_nothing(response, patient_a)
    [record] = refusals()
    assert "expired" in record.detail and record.patient == patient_a and record.user is None


def test_used_link_is_refused(client, link_a, patient_a):
    invitation, path = link_a
    invitation.used_at = invitation.created_at
    invitation.save()
    assert_refused_revealing_nothing(client.get(path), patient_a)
    assert "already used" in refusals()[0].detail


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
    lambda token: "9" + token,  # invitation id changed
    lambda token: token.split(":")[0],  # signature removed
    lambda token: "not-a-token",
])
def test_tampered_link_is_refused(client, link_a, patient_a, tamper):
    _, path = link_a
    token = path.split("/")[3]
    assert_refused_revealing_nothing(client.get(f"/portal/q/{tamper(token)}/"), patient_a)
    [record] = refusals()
    assert "tampered" in record.detail and record.patient is None


def _forged(invitation_pk: int, nonce_from_token: str) -> str:
    """Sign a token with the real key: what a leaked key plus a known link would allow."""
    nonce = SIGNER.unsign(nonce_from_token).partition(".")[2]
    return SIGNER.sign(f"{invitation_pk}.{nonce}")


def test_another_patients_link_is_refused_even_with_a_valid_signature(client, link_a,
                                                                       visit_b, patient_a):
    other, _ = invitation_create(visit_b)
    token_a = link_a[1].split("/")[3]
    response = client.get(f"/portal/q/{_forged(other.pk, token_a)}/")
    assert_refused_revealing_nothing(response, visit_b.schedule.episode.patient)
    assert "does not match" in refusals()[0].detail


def test_another_visits_link_is_refused(client, link_a, schedule_a, patient_a):
    month_6 = schedule_a.visits.get(timepoint="month_6", kind="visit")
    other, _ = invitation_create(month_6)
    token_a = link_a[1].split("/")[3]
    assert_refused_revealing_nothing(client.get(f"/portal/q/{_forged(other.pk, token_a)}/"),
                                     patient_a)
    assert "does not match" in refusals()[0].detail


def test_a_link_signed_with_another_salt_is_refused(client, link_a, patient_a):
    value = SIGNER.unsign(link_a[1].split("/")[3])
    token = TimestampSigner(salt="something-else").sign(value)
    assert_refused_revealing_nothing(client.get(f"/portal/q/{token}/"), patient_a)


def test_withdrawn_patients_link_is_refused(client, link_a, patient_a, coordinator_a):
    withdrawal_record(patient_a, withdrawn_on=dt.date(2026, 4, 9), by=coordinator_a)
    assert_refused_revealing_nothing(client.get(link_a[1]), patient_a)
    assert refusals()


def test_results_without_a_submission_reveal_nothing(client, patient_a):
    response = client.get("/portal/results/")
    assert response.status_code == 404 and FRIENDLY in response.content.decode()
    assert AccessRecord.objects.filter(detail__contains="results refused").exists()


@pytest.fixture
def two_joint_link(patient_a, visit_a):
    """One link for both knees of patient A: the left knee's visit first, the right's extra."""
    right = JointEpisode.objects.create(patient=patient_a, joint="knee", side="right",
                                        diagnosis_code="M17.11",
                                        grade_scale="kellgren_lawrence", grade=2)
    other = schedule_create(right, administered_on=ADMINISTERED).visits.get(
        timepoint="month_3", kind="visit")
    _, token = invitation_create(visit_a, extra_visits=[other])
    return token, other


def test_a_link_whose_own_visit_is_open_is_opened_without_reading_its_other_joints(
        two_joint_link, django_assert_num_queries):
    token, _ = two_joint_link
    with django_assert_num_queries(2):  # the invitation with its visit; the withdrawal check
        invitation_open(token)


def test_a_link_stays_open_for_its_other_joint_once_its_own_visit_is_done(
        two_joint_link, visit_a):
    token, other = two_joint_link
    visit_a.status = VisitState.COMPLETED
    visit_a.save(update_fields=["status"])
    assert [v.pk for v in invitation_visits(invitation_open(token))] == [other.pk]
    other.status = VisitState.COMPLETED
    other.save(update_fields=["status"])
    with pytest.raises(LinkRefused, match="visit is completed"):
        invitation_open(token)


def test_a_one_joint_links_visits_take_one_query_and_a_two_joint_links_two(
        link_a, two_joint_link, visit_a, django_assert_num_queries):
    _, url = link_a
    one_joint = invitation_open(url.split("/")[-2])
    with django_assert_num_queries(1):  # the link table: no other joint, so no visit read
        assert [v.pk for v in invitation_visits(one_joint)] == [visit_a.pk]
    token, other = two_joint_link
    two_joints = invitation_open(token)
    with django_assert_num_queries(2):
        assert [v.pk for v in invitation_visits(two_joints)] == [visit_a.pk, other.pk]
