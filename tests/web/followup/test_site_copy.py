"""The follow-up rows' copy of the patient's site: written right, kept right, read right.

The worklist confines its counts and pages by the site stored on each schedule, visit and
task instead of joining schedule -> joint -> patient -> site. These tests check that every
way of making the rows writes the patient's site (site_copies.site_copy_mismatches, which
compares each row with its patient), that a patient cannot leave their site so the copies
cannot go stale, that the worklist shows exactly what the old join-based scoping showed on
a registry of two sites (the reference is scope(), which follows SITE_PATH through the
joins, substituted back in here), and that a coordinator of one site sees nothing of the
other.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.web.conftest import make_user

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Role
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup import worklist
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    ReviewTask,
    ScheduledVisit,
    TaskKind,
)
from orthoregen.web.followup.services import baseline_request, schedule_create, task_close
from orthoregen.web.followup.site_copies import site_copy_mismatches

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
PAGE = 3


@pytest.fixture(autouse=True)
def frozen_today_and_small_pages(monkeypatch):
    monkeypatch.setattr(worklist, "ROWS", PAGE)
    with time_machine.travel(NOW, tick=False):
        yield


def episode_at(site, number: int, joint: str = "knee") -> JointEpisode:
    patient = Patient.objects.create(site=site, mrn=f"{site.code}-{number:03}",
                                     family_name=f"Family{number}", given_name="Ada",
                                     date_of_birth=dt.date(1960, 5, 17), sex="female")
    return JointEpisode.objects.create(
        patient=patient, joint=joint, side="left",
        diagnosis_code="M17.12" if joint == "knee" else "M16.12",
        grade_scale="kellgren_lawrence", grade=3)


@pytest.fixture
def registry(site_a, site_b):
    """Schedules at two sites, injected on different days so every section has rows.

    Site A: seven joints injected 30 to 300 days ago (each day a different mix of due,
    overdue and missed visits), one joint waiting for treatment with its baseline asked
    for; site B: five joints on other days. Tasks of every kind hang on both sites' visits,
    some of them closed.
    """
    administered = {site_a: [30, 75, 95, 120, 185, 200, 300], site_b: [40, 90, 110, 190, 250]}
    for site, days_ago in administered.items():
        for number, days in enumerate(days_ago):
            schedule_create(episode_at(site, number, "knee" if number % 2 else "hip"),
                            administered_on=TODAY - dt.timedelta(days=days))
    baseline_request(episode_at(site_a, 50), opens_on=TODAY - dt.timedelta(days=3))
    kinds = list(TaskKind)
    closer = make_user("closer", Role.COORDINATOR, site_a, site_b)
    for i, visit in enumerate(ScheduledVisit.objects.order_by("id")[::2]):
        task = ReviewTask.objects.create(visit=visit, kind=kinds[i % len(kinds)],
                                         created_at=NOW - dt.timedelta(hours=i % 5))
        if i % 4 == 0:
            task_close(task, by=closer)
    return {"a": site_a, "b": site_b}


@pytest.fixture
def coordinator_b(site_b):
    return make_user("coordinator_b", Role.COORDINATOR, site_b)


@pytest.fixture
def coordinator_ab(site_a, site_b):
    return make_user("coordinator_ab", Role.COORDINATOR, site_a, site_b)


def whole_worklist(user) -> dict[str, tuple[int, list[int]]]:
    """Every section's stated total and all its rows' ids, page after page."""
    first = worklist.worklist_sections(user, TODAY)
    result = {}
    for name, section in first.items():
        ids = [row.id for row in section.rows]
        for number in range(2, section.page.paginator.num_pages + 1):
            ids += [row.id for row in
                    worklist.worklist_sections(user, TODAY, {name: str(number)})[name].rows]
        result[name] = (section.total, ids)
    return result


def everything_shown(user) -> dict[str, object]:
    """What the worklist and the response-rate page show the user."""
    return {"sections": whole_worklist(user),
            "no_baseline": [row.schedule_id
                            for row in worklist.treated_without_baseline(user, TODAY)],
            "rates": worklist.response_rates(user, TODAY)}


def by_patient_site(queryset, user):
    """The scoping before the copy: scope() joins each row to its patient's site."""
    return scope(queryset, user)


def test_every_creator_writes_the_patients_site(registry):
    assert FollowUpSchedule.objects.filter(site=registry["a"]).count() == 8
    assert FollowUpSchedule.objects.filter(site=registry["b"]).count() == 5
    for visit in ScheduledVisit.objects.select_related("schedule__episode__patient"):
        assert visit.site_id == visit.schedule.site_id == visit.schedule.episode.patient.site_id
    for task in ReviewTask.objects.select_related("visit__schedule__episode__patient"):
        assert task.site_id == task.visit.schedule.episode.patient.site_id
    assert site_copy_mismatches() == {"schedules": 0, "visits": 0, "tasks": 0}
    call_command("followup_site_copies")  # exits 0


def test_the_check_names_a_copy_that_went_wrong(registry):
    visit = ScheduledVisit.objects.filter(site=registry["a"]).first()
    ScheduledVisit.objects.filter(pk=visit.pk).update(site=registry["b"])  # as a bad SQL fix
    assert site_copy_mismatches() == {"schedules": 0, "visits": 1, "tasks": 0}
    with pytest.raises(CommandError, match="1 visits"):
        call_command("followup_site_copies")


def test_a_row_made_without_naming_the_site_copies_its_parents(registry):
    schedule = FollowUpSchedule.objects.filter(site=registry["b"]).first()
    visit = ScheduledVisit.objects.create(schedule=schedule, timepoint="extra", label="Extra",
                                          earliest=TODAY, target=TODAY, latest=TODAY)
    task = ReviewTask.objects.create(visit=visit, kind="call_patient", created_at=NOW)
    assert visit.site_id == task.site_id == registry["b"].pk


@pytest.mark.parametrize("who", ["coordinator_a", "coordinator_b", "coordinator_ab"])
def test_the_worklist_shows_exactly_what_the_join_based_scoping_showed(registry, monkeypatch,
                                                                      request, who):
    user = request.getfixturevalue(who)
    now = everything_shown(user)
    monkeypatch.setattr(worklist, "on_own_sites", by_patient_site)
    before = everything_shown(user)
    assert now == before
    sections = now["sections"]
    assert all(total == len(ids) for total, ids in sections.values())
    # No section empty and several pages in all, or the comparison proves little.
    assert all(total > 0 for total, _ in sections.values())
    assert sum(total for total, _ in sections.values()) > 6 * PAGE
    assert now["no_baseline"] and now["rates"]


def test_a_coordinator_never_sees_the_other_sites_visits_or_counts(registry, coordinator_a,
                                                                   coordinator_b,
                                                                   coordinator_ab):
    site_visits = {key: set(ScheduledVisit.objects.filter(
        schedule__episode__patient__site=site).values_list("id", flat=True))
        for key, site in registry.items()}
    site_tasks = {key: set(ReviewTask.objects.filter(
        visit__schedule__episode__patient__site=site).values_list("id", flat=True))
        for key, site in registry.items()}
    shown = {"a": whole_worklist(coordinator_a), "b": whole_worklist(coordinator_b)}
    for key, other in (("a", "b"), ("b", "a")):
        for name, (_, ids) in shown[key].items():
            rows = site_visits if name in worklist.VISIT_SECTIONS else site_tasks
            assert set(ids) <= rows[key]
            assert not set(ids) & rows[other]
    both = whole_worklist(coordinator_ab)
    for name, (total, ids) in both.items():
        # Each site's counts add up to the two-site coordinator's: nothing counted twice
        # or counted for the wrong site.
        assert total == shown["a"][name][0] + shown["b"][name][0]
        assert set(ids) == set(shown["a"][name][1]) | set(shown["b"][name][1])
    assert shown["a"]["calls"][0] + shown["b"]["calls"][0] > 0


def test_a_signed_out_or_inactive_user_sees_no_row(registry, coordinator_a):
    coordinator_a.is_active = False
    for model in (FollowUpSchedule, ScheduledVisit, ReviewTask):
        assert not worklist.on_own_sites(model.objects.all(), coordinator_a).exists()
    assert not worklist.on_own_sites(ScheduledVisit.objects.all(), None).exists()


def test_a_registered_patient_cannot_be_moved_to_another_site(registry):
    patient = Patient.objects.filter(site=registry["a"]).first()
    patient.site = registry["b"]
    with pytest.raises(ValidationError, match="keeps their site"):
        patient.full_clean()
    with pytest.raises(ValueError, match="keeps their site"):
        patient.save()
    assert Patient.objects.get(pk=patient.pk).site == registry["a"]
    assert site_copy_mismatches() == {"schedules": 0, "visits": 0, "tasks": 0}


def test_an_administrator_of_both_sites_cannot_move_a_patient_in_the_admin(registry, as_user,
                                                                           site_a, site_b):
    administrator = make_user("admin_ab", Role.ADMIN, site_a, site_b)
    patient = Patient.objects.filter(site=site_a).first()
    response = as_user(administrator).post(
        f"/admin/clinic/patient/{patient.pk}/change/",
        {"site": site_b.pk, "mrn": patient.mrn, "family_name": patient.family_name,
         "given_name": "Ada", "date_of_birth": "1960-05-17", "sex": "female", "email": "",
         "phone": "", "address": "", "preferred_language": "en"})
    assert response.status_code == 200
    assert "A registered patient keeps their site" in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).site == site_a


def test_an_episode_cannot_move_to_a_patient_of_another_site(registry, site_a, site_b):
    episode = JointEpisode.objects.filter(patient__site=site_a).first()
    same_site = Patient.objects.filter(site=site_a).exclude(pk=episode.patient_id).first()
    other_site = Patient.objects.filter(site=site_b).first()
    episode = JointEpisode.objects.get(pk=episode.pk)
    episode.patient = other_site
    with pytest.raises(ValidationError, match="stays at its patient's site"):
        episode.full_clean()
    with pytest.raises(ValueError, match="stays at its patient's site"):
        episode.save()
    episode.patient = same_site  # a correction within the site keeps every copy right
    episode.save()
    assert site_copy_mismatches() == {"schedules": 0, "visits": 0, "tasks": 0}
