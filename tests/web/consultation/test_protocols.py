"""Protocol versions: the default is stored on first use, drafts are edited, published never."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from tests.web.conftest import PASSWORD, make_user

from orthoregen.pathways import DEFAULT_PROTOCOL, protocol_to_dict
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.consultation import protocols
from orthoregen.web.consultation.governance import Signing
from orthoregen.web.consultation.models import ProtocolVersion
from orthoregen.web.consultation.models.protocols import ProtocolLocked

SIGN = Signing(PASSWORD)


@pytest.fixture
def draft(admin_a, site_a):
    return protocols.protocol_copy(protocols.protocol_default(), version="2026.1-a",
                                   site=site_a, by=admin_a)


def body_with(stored, rule_id, **params):
    body = json.loads(json.dumps(stored.body))
    for rule in body["rules"]:
        if rule["id"] == rule_id:
            rule["check"].update(params)
    return json.dumps(body)


def test_default_is_stored_once_on_first_use(db):
    first = protocols.protocol_default()
    assert protocols.protocol_default().pk == first.pk
    assert first.is_published and first.body == protocol_to_dict(DEFAULT_PROTOCOL)


def test_admin_lists_and_reads_protocols(as_user, admin_a):
    client = as_user(admin_a)
    html = client.get("/consultation/protocols/").content.decode()
    assert "orthoregen default candidacy" in html and "Shipped default" in html
    detail = client.get(f"/consultation/protocols/{protocols.protocol_default().pk}/")
    assert "HIP-AVN-01" in detail.content.decode()


@pytest.mark.parametrize("who", ["clinician_a", "coordinator_a", "analyst_a"])
def test_other_roles_cannot_manage_protocols(request, as_user, who):
    client = as_user(request.getfixturevalue(who))
    assert client.get("/consultation/protocols/").status_code == 403


def test_nav_shows_protocols_to_the_administrator_only(as_user, admin_a, clinician_a):
    assert 'href="/consultation/protocols/"' in as_user(admin_a).get(
        "/consultation/protocols/").content.decode()
    html = as_user(clinician_a).get("/patients/").content.decode()
    assert 'href="/consultation/protocols/"' not in html


def test_copy_then_change_a_threshold_then_publish(as_user, admin_a, site_a):
    client = as_user(admin_a)
    source = protocols.protocol_default()
    response = client.post(f"/consultation/protocols/{source.pk}/copy/", {"version": "2026.1-a"})
    draft = ProtocolVersion.objects.get(version="2026.1-a")
    assert response.status_code == 302 and draft.status == "draft" and draft.site == site_a
    client.post(f"/consultation/protocols/{draft.pk}/edit/",
                {"body": body_with(draft, "BMI-01", kg_m2=32.0)})
    draft.refresh_from_db()
    assert draft.protocol().rule("BMI-01").check.kg_m2 == 32.0
    client.post(f"/consultation/protocols/{draft.pk}/validate/")
    colleague = make_user("admin2_a", Role.ADMIN, site_a)  # a second person approves
    review = as_user(colleague).get(f"/consultation/protocols/{draft.pk}/review/")
    assert "kg_m2" in review.content.decode()
    as_user(colleague).post(f"/consultation/protocols/{draft.pk}/approve/",
                            {"password": PASSWORD, "seen_digest": review.context["review"].digest})
    as_user(admin_a).post(f"/consultation/protocols/{draft.pk}/publish/", {"password": PASSWORD})
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == admin_a
    assert draft.approved_by == colleague
    assert protocols.protocol_current(site_a) == draft
    assert draft.history.count() == 5  # created, edited, validated, approved, published


def test_copy_to_an_existing_version_is_refused(as_user, admin_a):
    source = protocols.protocol_default()
    response = as_user(admin_a).post(f"/consultation/protocols/{source.pk}/copy/",
                                     {"version": source.version})
    assert "already exists" in response.content.decode()
    assert ProtocolVersion.objects.count() == 1


def test_a_version_created_while_the_copy_form_was_checked_refuses_the_copy(
        monkeypatch, as_user, admin_a, site_a):
    """Two administrators copy to one version at once: the later is told, never a 500."""
    colleague = User.objects.create_user("helen", first_name="Helen", last_name="Marsh",
                                         role=Role.ADMIN)
    source = protocols.protocol_default()
    original = protocols.protocol_copy

    def colleague_copies_first(stored, *, version, **kwargs):
        """Between the form's check and the copy, the colleague's copy commits."""
        with time_machine.travel(dt.datetime(2099, 3, 2, 9, 41, tzinfo=ZoneInfo(
                settings.TIME_ZONE)), tick=False):
            ProtocolVersion.objects.create(name=source.name, version=version, site=site_a,
                                           body=source.body, created_by=colleague)
        return original(stored, version=version, **kwargs)

    monkeypatch.setattr(protocols, "protocol_copy", colleague_copies_first)
    response = as_user(admin_a).post(f"/consultation/protocols/{source.pk}/copy/",
                                     {"version": "2026.1-a"})
    assert response.status_code == 400  # the form comes back with its errors
    assert response.context["form"].errors == {"version": [
        f"{source.name} 2026.1-a was created by Helen Marsh at 09:41 on 02 Mar 2099 while you "
        "were copying; nothing was saved. Choose another version."]}
    assert ProtocolVersion.objects.get(version="2026.1-a").created_by == colleague
    assert ProtocolVersion.objects.count() == 2


@pytest.mark.parametrize("params, message", [
    ({"kg_m2": "32"}, "rule BMI-01: check maximum_bmi"),
    ({"kg_m2": -1}, "rule BMI-01"),
    ({"unknown": 1}, "rule BMI-01"),
])
def test_invalid_draft_names_the_rule_and_saves_nothing(as_user, admin_a, draft, params,
                                                        message):
    before = draft.body
    response = as_user(admin_a).post(f"/consultation/protocols/{draft.pk}/edit/",
                                     {"body": body_with(draft, "BMI-01", **params)})
    assert response.status_code == 400  # the form comes back with its errors
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.body == before


def test_malformed_json_is_a_field_error(as_user, admin_a, draft):
    response = as_user(admin_a).post(f"/consultation/protocols/{draft.pk}/edit/",
                                     {"body": "{not json"})
    assert "Not valid JSON" in response.content.decode()


def test_published_protocol_cannot_be_edited_anywhere(as_user, admin_a):
    published = protocols.protocol_default()
    before = published.body
    response = as_user(admin_a).post(f"/consultation/protocols/{published.pk}/edit/",
                                     {"body": body_with(published, "BMI-01", kg_m2=40.0)})
    assert "is published and cannot change" in response.content.decode()
    with pytest.raises(ProtocolLocked):
        protocols.protocol_draft_update(published, json.loads(body_with(published, "BMI-01",
                                                                        kg_m2=40.0)))
    published.body = {}
    with pytest.raises(ProtocolLocked):
        published.save()
    with pytest.raises(ProtocolLocked):
        published.delete()
    admin_change = as_user(admin_a).post(
        f"/admin/consultation/protocolversion/{published.pk}/change/", {"name": "x"})
    assert admin_change.status_code == 403
    published.refresh_from_db()
    assert published.body == before


def test_publishing_twice_is_refused(as_user, admin_a, site_a, draft):
    colleague = make_user("admin2_a", Role.ADMIN, site_a)
    protocols.protocol_validate(draft, by=admin_a)
    protocols.protocol_approve(draft, seen_digest=protocols.protocol_review(draft).digest,
                               by=colleague, signing=SIGN)
    protocols.protocol_publish(draft, by=admin_a, signing=SIGN)
    with pytest.raises(ProtocolLocked):
        protocols.protocol_publish(draft, by=admin_a, signing=SIGN)


def test_other_sites_drafts_are_invisible(as_user, site_b, draft):
    from orthoregen.web.accounts.models import User
    from orthoregen.web.accounts.roles import Role

    admin_b = User.objects.create_user("admin_b", password="x" * 20, role=Role.ADMIN,
                                       is_staff=True)
    admin_b.sites.set([site_b])
    assert as_user(admin_b).get(f"/consultation/protocols/{draft.pk}/").status_code == 404


def rule_url(stored, rule_id):
    return f"/consultation/protocols/{stored.pk}/rules/{rule_id}/"


def test_admin_changes_one_threshold_and_severity_of_a_draft(as_user, admin_a, draft):
    response = as_user(admin_a).post(rule_url(draft, "BMI-01"),
                                     {"severity": "needs_reason", "kg_m2": "32.5"})
    assert response.status_code == 302
    draft.refresh_from_db()
    rule = draft.protocol().rule("BMI-01")
    assert rule.check.kg_m2 == 32.5 and rule.severity == "needs_reason"


@pytest.mark.parametrize("rule_id, data, message", [
    ("BMI-01", {"severity": "warn", "kg_m2": "-1"}, "rule BMI-01: check maximum_bmi"),
    ("BMI-01", {"severity": "warn", "kg_m2": "many"}, "Enter a number."),
    ("WASHOUT-STEROID-TARGET-01",
     {"severity": "hard_stop", "agents": "corticosteroid, snake_oil", "days": "90",
      "joint_scope": "this_joint"}, "rule WASHOUT-STEROID-TARGET-01"),
    ("BMI-01", {"severity": "fatal", "kg_m2": "30"}, "Select a valid choice"),
])
def test_bad_rule_change_names_the_problem_and_saves_nothing(as_user, admin_a, draft,
                                                             rule_id, data, message):
    before = draft.body
    response = as_user(admin_a).post(rule_url(draft, rule_id), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.body == before


def test_rule_of_a_published_protocol_cannot_be_changed(as_user, admin_a):
    published = protocols.protocol_default()
    response = as_user(admin_a).post(rule_url(published, "BMI-01"),
                                     {"severity": "warn", "kg_m2": "40"})
    assert "is published and cannot change" in response.content.decode()
    published.refresh_from_db()
    assert published.protocol().rule("BMI-01").check.kg_m2 == 30.0


def test_unknown_rule_is_404(as_user, admin_a, draft):
    assert as_user(admin_a).get(rule_url(draft, "NO-SUCH-01")).status_code == 404
