"""Migration followup 0006 fills the new site copies from the patient, on real rows.

The test database is at the latest migration. The test goes back to followup 0005 for real
(0006 is reversible: the columns and indexes go away), writes schedules, visits and tasks of
patients at two sites with the models of that state, runs 0006 forwards and checks that each
row now names its own patient's site, then migrates to the latest state whatever happened.

A transactional test (migrations change the schema, which needs real commits), once per
database.
"""

import datetime as dt

import pytest
from tests.web.migrating import back_to_latest, migrate, models_as_applied

BEFORE = [("followup", "0005_governed_protocol_lifecycle")]
AFTER = [("followup", "0006_site_copy_for_worklist")]
pytestmark = pytest.mark.django_db(transaction=True)


def _rows_at_0005(apps) -> dict[str, str]:
    """Two patients at each of two sites, each joint with a schedule, two visits and a task.

    Returns the site code each schedule's episode belongs to, by schedule id.
    """
    site_model = apps.get_model("accounts", "Site")
    protocol = apps.get_model("followup", "ScheduleProtocolVersion").objects.create(
        version="migration-test", definition={})
    day = dt.date(2026, 1, 15)
    expected = {}
    for code in ("mig-a", "mig-b"):
        site = site_model.objects.create(code=code, name=f"Migration {code}")
        for number in range(2):
            patient = apps.get_model("clinic", "Patient").objects.create(
                site=site, mrn=f"{code}-{number}", family_name="Okafor", given_name="Ada",
                date_of_birth=dt.date(1960, 5, 4), sex="female")
            episode = apps.get_model("clinic", "JointEpisode").objects.create(
                patient=patient, joint="knee", side="right", diagnosis_code="M17.11",
                grade_scale="kellgren_lawrence")
            schedule = apps.get_model("followup", "FollowUpSchedule").objects.create(
                episode=episode, administered_on=day, protocol=protocol, source="test")
            for months in (3, 6):
                target = day + dt.timedelta(days=30 * months)
                visit = apps.get_model("followup", "ScheduledVisit").objects.create(
                    schedule=schedule, timepoint=f"month_{months}", label=f"{months} months",
                    earliest=target - dt.timedelta(days=14), target=target,
                    latest=target + dt.timedelta(days=14))
                apps.get_model("followup", "ReviewTask").objects.create(
                    visit=visit, kind="call_patient",
                    created_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
            expected[schedule.pk] = code
    return expected


def test_0006_copies_each_rows_patient_site():
    with back_to_latest() as executor:
        migrate(executor, BEFORE)
        expected = _rows_at_0005(models_as_applied(executor))
        migrate(executor, AFTER)
        apps = models_as_applied(executor)

        schedules = apps.get_model("followup", "FollowUpSchedule").objects
        visits = apps.get_model("followup", "ScheduledVisit").objects
        tasks = apps.get_model("followup", "ReviewTask").objects
        got = dict(schedules.values_list("pk", "site__code"))
        assert got == expected and set(got.values()) == {"mig-a", "mig-b"}
        assert visits.count() == tasks.count() == 8
        for visit in visits.values("schedule_id", "site__code"):
            assert visit["site__code"] == expected[visit["schedule_id"]]
        for task in tasks.values("visit__schedule_id", "site__code"):
            assert task["site__code"] == expected[task["visit__schedule_id"]]
        # Required from now on: a row without a site is refused by the database.
        field = apps.get_model("followup", "ScheduledVisit")._meta.get_field("site")
        assert not field.null and field.db_constraint
