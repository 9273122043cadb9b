"""System checks of every stored protocol (docs/system-checks.md), and the saves that refuse
the same broken protocols in the same words.

Broken protocols are stored straight through the ORM, as an old release, a hand edit or a
changed code default would leave them, bypassing the services under test.
"""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError, ProgrammingError
from django.db.models.query import QuerySet
from tests.web.conftest import PASSWORD

from orthoregen.instruments import TextPackError, get_instrument
from orthoregen.instruments.definitions import format_code
from orthoregen.instruments.textpacks import install_text_pack
from orthoregen.pathways import DEFAULT_PROTOCOL, ProtocolError, protocol_to_dict
from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL as DEFAULT_SCHEDULE
from orthoregen.scheduling.protocol import protocol_to_json
from orthoregen.web.accounts.models import InstrumentLicence, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.consultation.checks import builtin_protocol_check, stored_protocols_check
from orthoregen.web.consultation.governance import Signing
from orthoregen.web.consultation.models import ProtocolVersion
from orthoregen.web.consultation.protocols import (
    protocol_default,
    protocol_draft_update,
    protocol_publish,
)
from orthoregen.web.followup.checks import (
    builtin_schedule_protocol_check,
    stored_schedule_protocols_check,
)
from orthoregen.web.followup.models import ScheduleProtocolVersion
from orthoregen.web.followup.protocols import active_protocol, schedule_protocol_create
from orthoregen.web.followup.text_pack_checks import licensed_text_packs_check, text_packs_check

DATABASE_CHECKS = [stored_protocols_check, stored_schedule_protocols_check,
                   licensed_text_packs_check]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """A data directory of the test's own, so no pack installed on this machine is read."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def on_default(check):
    return check(databases=["default"])


def ids(messages):
    return [message.id for message in messages]


def errors(messages):
    return [message.msg for message in messages if message.is_serious()]


# --- the defaults pass -------------------------------------------------------------------


def test_builtin_protocols_and_shipped_text_packs_pass_without_a_database():
    assert builtin_protocol_check() + builtin_schedule_protocol_check() + text_packs_check() == []


@pytest.mark.django_db
def test_stored_defaults_pass_every_check():
    protocol_default()
    active_protocol()
    assert run_checks(tags=["orthoregen"], databases=["default"]) == []


@pytest.mark.django_db
def test_check_command_passes_on_a_fresh_database():
    call_command("check", "--database", "default", stdout=StringIO())  # raises on an error
    out = StringIO()
    call_command("check", "--database", "default", "--tag", "orthoregen", stdout=out)
    assert "no issues" in out.getvalue()


# --- orthoregen.E001, candidacy protocols --------------------------------------------------


def broken_rules_body(name, version, status="draft"):
    body = protocol_to_dict(DEFAULT_PROTOCOL)
    rules = [dict(body["rules"][0], source=" ")] + body["rules"][1:]
    return dict(body, name=name, version=version, status=status, rules=rules)


@pytest.mark.django_db
def test_e001_names_the_protocol_site_and_rule_and_publishing_it_is_refused_alike(
        site_a, admin_a):
    stored = ProtocolVersion.objects.create(name="riverside", version="2", site=site_a,
                                            body=broken_rules_body("riverside", "2"))
    messages = on_default(stored_protocols_check)
    assert ids(messages) == ["orthoregen.E001"]
    assert messages[0].msg == ("Candidacy protocol riverside 2 (Clinic A, draft): "
                               "rule KNEE-GRADE-01: source is empty")
    with pytest.raises(ProtocolError) as refused:
        protocol_publish(stored, by=admin_a, signing=Signing(PASSWORD))
    assert str(refused.value) == messages[0].msg
    stored.refresh_from_db()
    assert stored.status == ProtocolVersion.Status.DRAFT


@pytest.mark.django_db
def test_editing_a_draft_into_the_broken_protocol_is_refused_in_the_checks_words(site_a):
    body = protocol_to_dict(DEFAULT_PROTOCOL)
    draft = ProtocolVersion.objects.create(
        name="riverside", version="2", site=site_a, body=dict(body, name="riverside",
                                                              version="2", status="draft"))
    with pytest.raises(ProtocolError) as refused:
        protocol_draft_update(draft, broken_rules_body("riverside", "2"))
    assert on_default(stored_protocols_check) == []  # nothing was saved
    ProtocolVersion.objects.filter(pk=draft.pk).update(body=broken_rules_body("riverside", "2"))
    assert errors(on_default(stored_protocols_check)) == [str(refused.value)]


@pytest.mark.django_db
@pytest.mark.parametrize(("record", "body", "problem"), [
    ({"version": "3"}, {"version": "2"}, "its body says orthoregen-default 2"),
    ({"status": "published"}, {"status": "draft"}, "its body is draft but the record is published"),
    ({}, {"rules": "none"}, "protocol rules must be a list"),
])
def test_e001_fires_when_a_body_does_not_read_or_disagrees_with_its_record(record, body,
                                                                          problem):
    stored_body = dict(protocol_to_dict(DEFAULT_PROTOCOL), name="orthoregen-default",
                       version="2", status="draft")
    ProtocolVersion.objects.create(**{"name": "orthoregen-default", "version": "2", **record},
                                   body={**stored_body, **body})
    messages = on_default(stored_protocols_check)
    assert ids(messages) == ["orthoregen.E001"]
    assert messages[0].msg.endswith(problem)
    assert "(shipped with orthoregen, " in messages[0].msg


# --- orthoregen.E002 and E003, follow-up schedule protocols --------------------------------


def schedule_definition(version, edit):
    definition = protocol_to_json(DEFAULT_SCHEDULE)
    definition["version"] = version
    edit(definition)
    return definition


def overlapping(d):
    d["visits"][1]["days_before"] = 40  # the 3-month window reaches back into 6-8 weeks


def koos_for_the_hip(d):
    d["instrument_sets"][1]["choices"][2]["options"] = ["hoos", "koos"]


def harris_by_the_patient(d):
    d["instrument_sets"][1]["choices"][3]["reported_by"] = "patient"


def unknown_instrument(d):
    d["instrument_sets"][0]["choices"][1]["options"] = ["womac"]


def no_shoulder_set(d):
    del d["instrument_sets"][2]


def unreadable(d):
    d["visits"][1]["months"] = "3"


BROKEN_SCHEDULES = [
    (overlapping, "orthoregen.E002", "windows of week_6_8 and month_3 overlap"),
    (unreadable, "orthoregen.E002", "visits[1].months: expected a whole number, got '3'"),
    (koos_for_the_hip, "orthoregen.E003",
     "hip: koos is not an instrument for the hip (it is for the knee)"),
    (harris_by_the_patient, "orthoregen.E003",
     "hip: hhs is completed by a clinician, but the choice is reported_by patient"),
    (unknown_instrument, "orthoregen.E003", "has unknown ids ['womac']"),
    (no_shoulder_set, "orthoregen.E003", "has 0 instrument sets for the shoulder"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("edit", "check_id", "problem"), BROKEN_SCHEDULES)
def test_broken_schedule_protocol_fires_its_id_and_storing_it_is_refused_alike(
        edit, check_id, problem):
    definition = schedule_definition("clinic-2026.2", edit)
    with pytest.raises(ValidationError) as refused:
        schedule_protocol_create(version="clinic-2026.2", definition=definition, activate=True)
    assert not ScheduleProtocolVersion.objects.exists()
    ScheduleProtocolVersion.objects.create(version="clinic-2026.2", definition=definition,
                                           is_active=True)
    messages = on_default(stored_schedule_protocols_check)
    assert set(ids(messages)) == {check_id}
    assert any(message.msg.startswith("Follow-up schedule protocol clinic-2026.2 (active): ")
               and problem in message.msg for message in messages)
    assert refused.value.message_dict == {"definition": errors(messages)}


@pytest.mark.django_db
def test_a_valid_schedule_protocol_is_stored_and_replaces_the_active_one():
    shipped = active_protocol()
    stored = schedule_protocol_create(version="clinic-2026.2", activate=True,
                                      definition=schedule_definition("clinic-2026.2",
                                                                     lambda d: None))
    shipped.refresh_from_db()
    assert active_protocol() == stored and not shipped.is_active


@pytest.mark.django_db
def test_the_admin_refuses_a_broken_schedule_protocol_in_the_checks_words(client, site_a):
    root = User.objects.create_superuser("root", password="x", role=Role.ADMIN)
    client.force_login(root)
    definition = schedule_definition("clinic-2026.2", koos_for_the_hip)
    response = client.post("/admin/followup/scheduleprotocolversion/add/", {
        "version": "clinic-2026.2", "definition": json.dumps(definition)})
    assert response.status_code == 200 and not ScheduleProtocolVersion.objects.exists()
    ScheduleProtocolVersion.objects.create(version="clinic-2026.2", definition=definition)
    assert response.context["adminform"].form.errors["definition"] == \
        errors(on_default(stored_schedule_protocols_check))


@pytest.mark.django_db
def test_e002_fires_when_a_definition_names_another_version():
    ScheduleProtocolVersion.objects.create(version="clinic-2026.2",
                                           definition=protocol_to_json(DEFAULT_SCHEDULE))
    assert errors(on_default(stored_schedule_protocols_check)) == [
        "Follow-up schedule protocol clinic-2026.2 (not active): its definition says version "
        "'orthoregen-followup-2026.1'"]


# --- warnings -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_w001_fires_when_the_stored_default_candidacy_protocol_differs_from_the_code():
    stored = protocol_default()
    ProtocolVersion.objects.filter(pk=stored.pk).update(
        body=dict(stored.body, rules=stored.body["rules"][1:]))
    assert ids(on_default(stored_protocols_check)) == ["orthoregen.W001"]


@pytest.mark.django_db
def test_w002_fires_on_a_published_candidacy_protocol_without_rules(site_a):
    body = dict(protocol_to_dict(DEFAULT_PROTOCOL), name="empty", version="1",
                status="published", rules=[])
    ProtocolVersion.objects.create(name="empty", version="1", site=site_a, body=body,
                                   status=ProtocolVersion.Status.PUBLISHED)
    messages = on_default(stored_protocols_check)
    assert ids(messages) == ["orthoregen.W002"]
    assert messages[0].msg == ("Candidacy protocol empty 1 (Clinic A, published): has no "
                               "rules, so every patient it assesses is suitable")


@pytest.mark.django_db
def test_w003_fires_on_an_active_schedule_protocol_without_visits_only():
    definition = schedule_definition("clinic-2026.2", lambda d: d.update(visits=[]))
    ScheduleProtocolVersion.objects.create(version="clinic-2026.2", definition=definition)
    assert on_default(stored_schedule_protocols_check) == []
    ScheduleProtocolVersion.objects.update(is_active=True)
    assert ids(on_default(stored_schedule_protocols_check)) == ["orthoregen.W003"]


@pytest.mark.django_db
def test_w004_fires_when_the_stored_default_schedule_protocol_differs_from_the_code():
    definition = schedule_definition(DEFAULT_SCHEDULE.version,
                                     lambda d: d["visits"][5].update(days_after=30))
    ScheduleProtocolVersion.objects.create(version=DEFAULT_SCHEDULE.version,
                                           definition=definition, is_active=True)
    assert ids(on_default(stored_schedule_protocols_check)) == ["orthoregen.W004"]


def placeholder_pack(instrument_id, **changes):
    """Invented wording standing in for a clinic's licensed pack."""
    instrument = get_instrument(instrument_id)
    return {
        "instrument": instrument_id, "language": "en", "title": f"{instrument_id} (test)",
        "instructions": "Test instructions.",
        "items": {item.id: {"text": f"{item.id} (test wording)",
                            "options": {format_code(c): f"code {format_code(c)}"
                                        for c in item.options}}
                  for item in instrument.items},
        **changes,
    }


def write_pack(directory, name, pack):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(pack))
    return path


@pytest.mark.django_db
def test_w005_fires_on_a_current_licence_without_its_text_pack(site_a, data_dir):
    InstrumentLicence.objects.create(site=site_a, instrument_id="koos",
                                     licence_reference="MRT-2026-001",
                                     valid_from=dt.date(2020, 1, 1))
    messages = on_default(licensed_text_packs_check)
    assert ids(messages) == ["orthoregen.W005"]
    assert messages[0].msg.startswith("Clinic A holds a current licence for koos (MRT-2026-001)")
    write_pack(data_dir / "textpacks", "koos.en.json", placeholder_pack("koos"))
    assert on_default(licensed_text_packs_check) == []


# --- orthoregen.E004, text packs ----------------------------------------------------------


def test_e004_fires_on_an_incomplete_installed_pack_and_load_text_refuses_it_alike(
        data_dir, tmp_path_factory):
    pack = placeholder_pack("koos")
    del pack["items"]["P1"]
    path = write_pack(data_dir / "textpacks", "koos.en.json", pack)
    messages = text_packs_check()
    assert ids(messages) == ["orthoregen.E004"]
    assert messages[0].msg == f"Text pack {path}: item 'P1' is missing"
    with pytest.raises(TextPackError) as refused:
        install_text_pack(path, tmp_path_factory.mktemp("installed"))
    assert messages[0].msg == f"Text pack {refused.value}"


def test_e004_fires_on_a_pack_under_another_instruments_name(data_dir):
    write_pack(data_dir / "textpacks", "koos.en.json", placeholder_pack("hoos"))
    messages = text_packs_check()
    assert ids(messages) == ["orthoregen.E004"]
    assert messages[0].msg.endswith("holds hoos in language 'en', so it must be named "
                                    "hoos.en.json")


# --- before migrate, and without --database -----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("failure", [OperationalError("no such table"),
                                     ProgrammingError('relation "x" does not exist')])
def test_database_checks_stay_silent_while_tables_are_missing(monkeypatch, failure):
    def missing_table(queryset):
        raise failure

    monkeypatch.setattr(QuerySet, "_fetch_all", missing_table)
    assert [message for check in DATABASE_CHECKS for message in on_default(check)] == []


@pytest.mark.django_db
def test_database_checks_read_nothing_unless_a_database_is_named(site_a):
    ProtocolVersion.objects.create(name="riverside", version="2", site=site_a,
                                   body=broken_rules_body("riverside", "2"))
    assert [message for check in DATABASE_CHECKS for message in check()] == []
