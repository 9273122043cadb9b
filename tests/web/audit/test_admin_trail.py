"""Administrators see the whole trail of their sites, exports and refusals included; the
platform operator sees every record; the trail can be exported as CSV with its hashes."""

import csv
import io

import pytest
from django.urls import reverse

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.models import AccessAction, AccessRecord

CHANGELIST = "/admin/audit/accessrecord/"


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", password="x", role=Role.ADMIN)


def listed(client) -> set[tuple]:
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    return {(r.user.username if r.user else None, r.action, r.detail)
            for r in page.context["cl"].result_list}


def test_an_analysts_export_is_shown_to_each_of_its_sites_administrators(
        as_user, admin_a, analyst_a, site_a, site_b, patient_a):
    analyst_a.sites.add(site_b)  # the registry analyst works across both clinics
    as_user(analyst_a).post(reverse("registry:export"),
                            {"format": "csv", "sites": [site_a.pk], "deidentified": "on"})
    assert AccessRecord.objects.filter(user=analyst_a, action=AccessAction.EXPORT).exists()
    assert any(action == AccessAction.EXPORT for _, action, _ in listed(as_user(admin_a)))


def test_a_refusal_is_shown_to_the_users_administrators_and_not_to_another_sites(
        as_user, admin_a, clinician_b, site_b, patient_a):
    as_user(clinician_b).get(reverse("patient-edit", args=[patient_a.pk]))
    refusal = AccessRecord.objects.get(user=clinician_b)
    assert refusal.action == AccessAction.DENIED and refusal.patient is None
    admin_b = User.objects.create_user("admin_b", role=Role.ADMIN, is_staff=True)
    admin_b.sites.set([site_b])
    assert ("clinician_b", AccessAction.DENIED, refusal.detail) in listed(as_user(admin_b))
    assert not any(user == "clinician_b" for user, _, _ in listed(as_user(admin_a)))


def test_a_refused_portal_link_is_shown_to_the_platform_operator(client, operator, admin_a):
    client.get(reverse("portal:questionnaire", args=["no-such-link"]))
    refused = AccessRecord.objects.get(detail__startswith="portal: link refused")
    assert refused.user is None and refused.site is None
    assert (None, refused.action, refused.detail) in listed(client_as(client, operator))
    assert (None, refused.action, refused.detail) not in listed(client_as(client, admin_a))


def client_as(client, user):
    client.force_login(user)
    return client


def test_the_platform_operator_sees_every_sites_records(
        as_user, operator, clinician_a, clinician_b, patient_a, patient_b):
    as_user(clinician_a).get(reverse("patient-detail", args=[patient_a.pk]))
    as_user(clinician_b).get(reverse("patient-detail", args=[patient_b.pk]))
    users = {user for user, _, _ in listed(as_user(operator))}
    assert {"clinician_a", "clinician_b"} <= users


def test_the_administrator_exports_the_trail_as_csv_and_the_export_is_recorded(
        as_user, admin_a, clinician_a, patient_a):
    as_user(clinician_a).get(reverse("patient-list"), {"q": "=HYPERLINK(1)"})
    as_user(clinician_a).get(reverse("patient-detail", args=[patient_a.pk]))
    shown = [r.pk for r in as_user(admin_a).get(CHANGELIST).context["cl"].result_list]
    response = as_user(admin_a).post(CHANGELIST, {"action": "export_csv",
                                                  "_selected_action": shown})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["sequence"] for row in rows] == sorted(row["sequence"] for row in rows)
    by_sequence = {r.sequence: r for r in AccessRecord.objects.all()}
    for row in rows:
        assert row["record_hash"] == by_sequence[int(row["sequence"])].record_hash
    assert all(not row["detail"].startswith("=") for row in rows)
    assert AccessRecord.objects.filter(user=admin_a, action=AccessAction.EXPORT,
                                       detail__startswith="access records CSV").exists()
