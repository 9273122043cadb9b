"""Worklist sections page through exactly their visits and tasks, in order, from SQL.

Expected rows come from the worklist's definitions applied visit by visit in Python
(docs/follow-up.md#visit-status: due = window open, target not passed; overdue = past target,
window open; missed = window closed in the last 90 days), never from the worklist's own
queries.
"""

import datetime as dt
import math
import re

import pytest
import time_machine

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup import worklist
from orthoregen.web.followup.models import ReviewTask, ScheduledVisit
from orthoregen.web.followup.services import schedule_create

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
PAGE = 7  # small and odd, so page breaks fall inside groups of equal dates


@pytest.fixture(autouse=True)
def frozen_today_and_small_pages(monkeypatch):
    monkeypatch.setattr(worklist, "ROWS", PAGE)
    with time_machine.travel(NOW, tick=False):
        yield


def episode_at(site, number: int) -> JointEpisode:
    patient = Patient.objects.create(site=site, mrn=f"{site.code}-{number:04}",
                                     family_name=f"Family{number}", given_name="Ada",
                                     date_of_birth=dt.date(1960, 5, 17), sex="female")
    return JointEpisode.objects.create(patient=patient, joint="knee", side="left",
                                       diagnosis_code="M17.12",
                                       grade_scale="kellgren_lawrence", grade=3)


HALF_WIDTHS = (7, 14, 28, 56)  # days either side of target; 56 + 56 is the widest window


@pytest.fixture
def registry(site_a, site_b):
    """Three schedules at site A and one at site B, each with a visit every other day.

    Targets run from 150 days ago to 120 days ahead with windows of every protocol width,
    so each section spans several pages. Site A's schedules are alike, so each section has
    ties on its ordering date; every third visit is completed and every seventh stopped.
    """
    for number, site in enumerate((site_a, site_a, site_a, site_b)):
        schedule = schedule_create(episode_at(site, number), administered_on=dt.date(2026, 1, 15))
        visits = []
        for i, offset in enumerate(range(-150, 121, 2)):
            target, half = TODAY + dt.timedelta(days=offset), HALF_WIDTHS[i % 4]
            status = "completed" if i % 3 == 0 else "stopped" if i % 7 == 0 else "pending"
            visits.append(ScheduledVisit(
                schedule=schedule, site=site, timepoint=f"day_{offset}", label=f"Day {offset}",
                earliest=target - dt.timedelta(days=half), target=target,
                latest=target + dt.timedelta(days=half), status=status,
                completed_on=target if status == "completed" else None))
        ScheduledVisit.objects.bulk_create(visits)
    return site_a


def expected(site, name: str) -> list[int]:
    """Return a section's visit ids by its definition, ordered as the worklist orders it."""
    visits = ScheduledVisit.objects.filter(schedule__episode__patient__site=site,
                                           status="pending")
    look_back = TODAY - dt.timedelta(days=90)
    rules = {
        "due": (lambda v: v.earliest <= TODAY <= v.target, lambda v: (v.target, v.id)),
        "overdue": (lambda v: v.target < TODAY <= v.latest, lambda v: (v.latest, v.id)),
        "missed": (lambda v: look_back <= v.latest < TODAY,
                   lambda v: (-v.latest.toordinal(), v.id)),
    }
    belongs, order = rules[name]
    return [v.id for v in sorted(filter(belongs, visits), key=order)]


def all_pages(user, name: str) -> tuple[list[int], int, int]:
    """Walk a section page by page; return its ids, its stated total and the pages walked."""
    ids, number, total = [], 1, None
    while True:
        section = worklist.worklist_sections(user, TODAY, {name: str(number)})[name]
        ids += [row.id for row in section.rows]
        total = section.total
        if not section.page.has_next():
            return ids, total, number
        number += 1


@pytest.mark.parametrize("name", ["due", "overdue", "missed"])
def test_each_visit_section_pages_through_exactly_its_visits_in_order(registry, coordinator_a,
                                                                      name):
    want = expected(registry, name)
    assert len(want) > 2 * PAGE  # several pages, or the test proves nothing
    ids, total, pages = all_pages(coordinator_a, name)
    assert ids == want
    assert total == len(want) and pages == math.ceil(len(want) / PAGE)


def test_overdue_comes_by_closing_window_and_missed_most_recent_first(registry, coordinator_a):
    sections = worklist.worklist_sections(coordinator_a, TODAY)
    overdue = [(v.latest, v.id) for v in sections["overdue"].rows]
    missed = [(v.latest, v.id) for v in sections["missed"].rows]
    assert overdue == sorted(overdue)  # the window closing soonest first
    assert missed == sorted(missed, key=lambda row: (-row[0].toordinal(), row[1]))
    assert len({latest for latest, _ in missed}) < len(missed)  # ties were there to order


def test_page_two_continues_page_one_and_links_keep_the_other_sections(as_user, registry,
                                                                      coordinator_a):
    client = as_user(coordinator_a)
    first = client.get("/followup/").context["sections"]
    second = client.get("/followup/", {"overdue_page": "2", "missed_page": "3"})
    sections = second.context["sections"]
    want = expected(registry, "overdue")
    assert [v.id for v in first["overdue"].rows] == want[:PAGE]
    assert [v.id for v in sections["overdue"].rows] == want[PAGE:2 * PAGE]
    assert [v.id for v in sections["missed"].rows] == expected(registry, "missed")[14:21]
    assert [v.id for v in sections["due"].rows] == [v.id for v in first["due"].rows]
    page = second.content.decode()
    assert 'href="?overdue_page=3&amp;missed_page=3#overdue"' in page
    assert 'href="?overdue_page=1&amp;missed_page=3#overdue"' in page
    assert f"{PAGE + 1}–{2 * PAGE} of {len(want)}" in page


@pytest.mark.parametrize(("asked", "shown"), [("abc", "first"), ("0", "last"),
                                              ("9999", "last"), ("", "first")])
def test_a_malformed_or_out_of_range_page_shows_the_first_or_last(as_user, registry,
                                                                  coordinator_a, asked, shown):
    # Django's Paginator.get_page: not a number -> first page, out of range -> last page.
    response = as_user(coordinator_a).get("/followup/", {"due_page": asked})
    assert response.status_code == 200
    want = expected(registry, "due")
    last = want[(math.ceil(len(want) / PAGE) - 1) * PAGE:]
    rows = [v.id for v in response.context["sections"]["due"].rows]
    assert rows == (want[:PAGE] if shown == "first" else last)


def test_task_sections_page_open_tasks_of_the_users_sites_oldest_first(registry,
                                                                       coordinator_a):
    visits = list(ScheduledVisit.objects.order_by("id"))  # site A's first, site B's last
    for i, visit in enumerate(visits[::14][:40]):
        # Every fifth task closed; several tasks share a creation time (ties go by id).
        ReviewTask.objects.create(visit=visit, kind="call_patient",
                                  status="done" if i % 5 == 0 else "open",
                                  created_at=NOW - dt.timedelta(hours=(40 - i) // 3))
    ReviewTask.objects.create(visit=visits[0], kind="complication_review", created_at=NOW)
    ReviewTask.objects.create(visit=visits[-1], kind="complication_review", created_at=NOW)
    want = [t.id for t in sorted(
        ReviewTask.objects.filter(status="open", kind="call_patient",
                                  visit__schedule__episode__patient__site=registry),
        key=lambda t: (t.created_at, t.id))]
    assert ReviewTask.objects.filter(kind="call_patient", status="open").count() > len(want)
    ids, total, _ = all_pages(coordinator_a, "calls")
    assert (ids, total) == (want, len(want))
    # The first visit is site A's, the last site B's.
    assert worklist.worklist_sections(coordinator_a, TODAY)["reviews"].total == 1


def test_the_page_reads_each_section_in_a_fixed_number_of_queries(
        as_user, registry, coordinator_a, django_assert_max_num_queries):
    for visit in ScheduledVisit.objects.filter(status="pending")[:30]:
        ReviewTask.objects.create(visit=visit, kind="call_patient", created_at=NOW)
        ReviewTask.objects.create(visit=visit, kind="complication_review", created_at=NOW)
        ReviewTask.objects.create(visit=visit, kind="product_lookback", created_at=NOW)
    client = as_user(coordinator_a)
    # Session, user, the user's site ids, protocol versions, visit counts, task counts, a
    # page of each of the six sections, the serious-event banner, the treatments without a
    # baseline, the access record (three statements: its hash chain's head advanced, the
    # record, the head's hash): none per row shown.
    with django_assert_max_num_queries(18):
        response = client.get("/followup/", {"due_page": "2", "calls_page": "2"})
    assert all(len(s.rows) == PAGE for s in response.context["sections"].values())


def test_each_row_shows_its_patient_joint_window_and_actions(as_user, registry, coordinator_a):
    visit = ScheduledVisit.objects.get(pk=expected(registry, "due")[0])
    episode = visit.schedule.episode
    Patient.objects.filter(pk=episode.patient_id).update(family_name="<O'Brien & Co>", phone="")
    task = ReviewTask.objects.create(visit=visit, kind="call_patient", detail="No <reply>",
                                     created_at=NOW)
    content = as_user(coordinator_a).get("/followup/").content.decode()
    patient = f"&lt;O&#x27;BRIEN &amp; CO&gt;, Ada ({episode.patient.mrn})"  # escaped, once
    assert "<O'BRIEN" not in content
    schedule = f'<td><a href="/followup/episodes/{episode.pk}/">{patient}</a></td>'
    window = f"<td>{visit.earliest:%d %b %Y} – {visit.latest:%d %b %Y}</td>"
    assert (f'{schedule}\n      <td><span class="joint-tag knee">Left knee</span></td>\n'
            f"      <td>{visit.label}</td>\n      <td>{visit.get_kind_display()}</td>\n"
            f"      {window}\n      <td>{visit.target:%d %b %Y}</td>\n") in content
    # Due and overdue rows hand the device to the patient; the form carries the page's token.
    assert (f'<form method="post" action="/followup/visits/{visit.pk}/tablet/"><input '
            'type="hidden" name="csrfmiddlewaretoken" value="') in content
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', content))
    assert len(tokens) == 1 and len(tokens.pop()) == 64
    assert (f'{schedule}\n      <td class="mono">no phone</td>\n'
            f"      <td>{visit.label} · Left knee</td>\n      <td>No &lt;reply&gt;</td>\n"
            f"      <td>{TODAY:%d %b %Y}</td>\n"
            f'      <td><a class="button" href="/followup/tasks/{task.pk}/close/">Close task'
            "</a></td>\n") in content
