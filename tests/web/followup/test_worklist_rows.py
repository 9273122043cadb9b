"""The worklist's rows, read as plain values, say what the model instances said.

On a small synthetic registry, every page of every section and the treatments without a
baseline: each row's values equal those of its visit, task or schedule read as a model
instance with its episode and patient, and the tags write, in English and Spanish, the HTML
the section templates wrote from model instances before the rows were values.
"""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.utils import translation
from tests.web.conftest import make_patient

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup import worklist
from orthoregen.web.followup.models import FollowUpSchedule, ReviewTask, ScheduledVisit
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.followup.templatetags.worklist_rows import (
    baseline_lines,
    task_lines,
    visit_lines,
)
from orthoregen.web.synthetic.clinic import synth_load

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 1)
PAGE = 2
TOKEN = "t" * 64

# The rows as _visit_rows.html and _task_rows.html wrote them from model instances
# before the worklist_rows tags (commit ab42072's parent), and worklist.html the rows
# without a baseline.
VISIT_ROWS = (
    '{% load i18n %}{% translate "Open on tablet" as open_on_tablet %}'
    '{% translate "Signs you out of this device and hands it to the patient" as hands_over %}'
    "{% for visit in rows %}\n    <tr>\n"
    "      <td><a href=\"{% url 'followup:schedule' visit.schedule.episode_id %}\">"
    "{{ visit.schedule.episode.patient }}</a></td>\n"
    '      <td><span class="joint-tag {{ visit.schedule.episode.joint }}">'
    "{{ visit.schedule.episode }}</span></td>\n"
    "      <td>{{ visit.label }}</td>\n      <td>{{ visit.get_kind_display }}</td>\n"
    '      <td>{{ visit.earliest|date:"d M Y" }} – {{ visit.latest|date:"d M Y" }}</td>\n'
    '      <td>{{ visit.target|date:"d M Y" }}</td>\n'
    "      {% if tablet %}<td>{% if visit.kind == 'visit' %}<form method=\"post\" "
    "action=\"{% url 'followup:tablet-open' visit.pk %}\">{% csrf_token %}<button "
    'type="submit" title="{{ hands_over }}">{{ open_on_tablet }}</button></form>{% endif %}'
    "</td>{% endif %}\n    </tr>\n  {% endfor %}")
TASK_ROWS = (
    '{% load i18n %}{% translate "no phone" as no_phone %}'
    '{% translate "Close task" as close_task %}'
    "{% for task in rows %}\n    <tr>\n"
    "      <td><a href=\"{% url 'followup:schedule' task.visit.schedule.episode_id %}\">"
    "{{ task.visit.schedule.episode.patient }}</a></td>\n"
    '      <td class="mono">{{ task.visit.schedule.episode.patient.phone|default:no_phone }}'
    "</td>\n      <td>{{ task.visit.label }} · {{ task.visit.schedule.episode }}</td>\n"
    "      <td>{{ task.detail }}</td>\n"
    '      <td>{{ task.created_at|date:"d M Y" }}</td>\n'
    "      <td><a class=\"button\" href=\"{% url 'followup:task-close' task.pk %}\">"
    "{{ close_task }}</a></td>\n    </tr>\n  {% endfor %}")
BASELINE_ROWS = (
    "{% for row in rows %}<tr><td><a href=\"{% url 'followup:schedule' row.episode.pk %}\">"
    "{{ row.episode.patient }}</a></td><td><span class=\"joint-tag {{ row.episode.joint }}\">"
    "{{ row.episode }}</span></td><td>{{ row.schedule.administered_on|date:\"d M Y\" }}</td>"
    "<td>{{ row.problem }}</td></tr>{% endfor %}")


@pytest.fixture
def registry(site_a, site_b, clinician_a, monkeypatch):
    """Site A's synthetic cohort; patients with names to escape and no baseline, treated
    lately in both knees or a hip; a patient of site B with work of every kind."""
    monkeypatch.setattr(worklist, "ROWS", PAGE)
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    with time_machine.travel(dt.datetime.combine(AS_OF, dt.time(12), dt.UTC), tick=False):
        synth_load(site_a, 60, seed=5, as_of=AS_OF,
                   stages=("consultation", "cellbank", "procedures", "followup", "safety"))
        treated = []
        for number, name in enumerate(("O'Brien <b>", "Straße & Söhne", 'Núñez "El"')):
            patient = make_patient(site_a, f"A-{number:04}", name)
            Patient.objects.filter(pk=patient.pk).update(phone="+34 600 000" if number == 2 else "")
            knee = patient.episodes.get()
            other = JointEpisode.objects.create(
                patient=patient, joint="hip" if number % 2 else "knee", side="right",
                diagnosis_code="M16.11", grade_scale="kellgren_lawrence", grade=2)
            for episode, days in ((knee, 20 + number), (other, 50)):
                treated.append(schedule_create(episode, administered_on=AS_OF - dt.timedelta(
                    days=days)))
        visits = ScheduledVisit.objects.filter(site=site_a, status="pending").order_by("-id")
        for i, visit in enumerate(visits[:60]):  # the new patients' 48 visits first
            ReviewTask.objects.create(visit=visit, kind=("call_patient", "complication_review",
                                                         "product_lookback")[i % 3],
                                      detail=f"Task <{i}> & more",
                                      created_at=dt.datetime(2026, 5, 31, 23, i % 60,
                                                             tzinfo=dt.UTC))
        other = make_patient(site_b, "B-0001", "Bittern")
        schedule = schedule_create(other.episodes.get(), administered_on=AS_OF - dt.timedelta(
            days=100))
        for i, visit in enumerate(schedule.visits.all()):
            ReviewTask.objects.create(visit=visit, kind=("call_patient", "complication_review",
                                                         "product_lookback")[i % 3],
                                      created_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
        yield site_a


def every_row(user) -> dict[str, list]:
    """Every section's rows, page after page, as the worklist shows them."""
    first = worklist.worklist_sections(user, AS_OF)
    rows = {}
    for name, section in first.items():
        rows[name] = list(section.rows)
        for number in range(2, section.page.paginator.num_pages + 1):
            rows[name] += worklist.worklist_sections(user, AS_OF, {name: str(number)})[name].rows
    return rows


def in_order(queryset, rows) -> list:
    """The model instances of the rows, in the rows' order."""
    by_id = queryset.in_bulk([row.id for row in rows])
    return [by_id[row.id] for row in rows]


def visit_values(visit: ScheduledVisit) -> worklist.VisitRow:
    episode = visit.schedule.episode
    return worklist.VisitRow(visit.id, episode.id, episode.patient.family_name,
                             episode.patient.given_name, episode.patient.mrn, episode.joint,
                             episode.side, visit.label, visit.kind, visit.earliest,
                             visit.target, visit.latest)


def task_values(task: ReviewTask) -> worklist.TaskRow:
    episode = task.visit.schedule.episode
    return worklist.TaskRow(task.id, episode.id, episode.patient.family_name,
                            episode.patient.given_name, episode.patient.mrn,
                            episode.patient.phone, task.visit.label, episode.joint,
                            episode.side, task.detail, task.created_at)


@pytest.mark.parametrize("language", ["en-gb", "es"])
def test_each_row_says_what_its_model_instances_said(registry, coordinator_a, language):
    shown = every_row(coordinator_a)
    assert all(len(rows) > PAGE for rows in shown.values())  # several pages of each
    for name, rows in shown.items():
        if name in worklist.TASK_SECTIONS:
            tasks = ReviewTask.objects.select_related("visit__schedule__episode__patient")
            models = in_order(tasks, rows)
            assert rows == [task_values(task) for task in models]
            source, lines = TASK_ROWS, (lambda context, rows: task_lines(rows))
        else:
            visits = ScheduledVisit.objects.select_related("schedule__episode__patient")
            models = in_order(visits, rows)
            assert rows == [visit_values(visit) for visit in models]
            source, lines = VISIT_ROWS, (lambda context, rows: visit_lines(context, rows,
                                                                           tablet=True))
        with translation.override(language):
            context = Context({"rows": models, "tablet": True, "csrf_token": TOKEN})
            assert lines(context, rows) == Template(source).render(context), name
    names = {row.family_name for rows in shown.values() for row in rows}
    assert {"O'Brien <b>", "Straße & Söhne", 'Núñez "El"'} <= names  # escaped, upper-cased
    assert "Bittern" not in names  # site B's patient
    assert {row.phone for row in shown["calls"]} >= {"", "+34 600 000"}


@pytest.mark.parametrize("language", ["en-gb", "es"])
def test_rows_without_a_baseline_say_what_their_schedules_said(registry, coordinator_a,
                                                               language):
    rows = worklist.treated_without_baseline(coordinator_a, AS_OF)
    assert len(rows) >= 6 and {(row.side, row.joint) for row in rows} >= {
        ("left", "knee"), ("right", "hip"), ("right", "knee")}
    by_id = FollowUpSchedule.objects.select_related("episode__patient").in_bulk(
        [row.schedule_id for row in rows])
    models = [by_id[row.schedule_id] for row in rows]
    assert [row[:-1] for row in rows] == [
        (s.id, s.episode_id, s.episode.patient.family_name, s.episode.patient.given_name,
         s.episode.patient.mrn, s.episode.joint, s.episode.side, s.administered_on)
        for s in models]
    with translation.override(language):
        old = [{"schedule": s, "episode": s.episode, "problem": row.problem}
               for s, row in zip(models, rows, strict=True)]
        assert baseline_lines(rows) == Template(BASELINE_ROWS).render(Context({"rows": old}))
    assert all(s.site_id == registry.pk for s in models)
