"""`{% visit_lines rows tablet=True %}`, `{% task_lines rows %}` and `{% baseline_lines rows %}`:
the worklist's table rows.

The worklist shows up to 300 rows. Written by the template, each row's `{% url %}` tags,
`date` filters and variables were about 70 % of the page's time (bench/README.md, follow-up
worklist); here each row is one line filled with escaped values, its links reversed once
and its dates written by row_text.DateText. The rows are plain values (worklist.VisitRow,
TaskRow, BaselineRow), not model instances; the words are the models' and the template's,
as before: the patient as `Patient.__str__` writes it, the joint by `JointEpisode.__str__`
once per side and joint, labels by `clinic.vocabulary.label`, which translates only the
label shown. tests/web/followup/test_worklist_rows.py compares them with the model instances'.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.vocabulary import label
from orthoregen.web.followup.models import VisitKind
from orthoregen.web.followup.worklist import BaselineRow, TaskRow, VisitRow
from orthoregen.web.row_text import active_dates, filled, url_maker

register = template.Library()

# Each row as the section templates (_visit_rows.html, _task_rows.html) lay it out, their
# whitespace included; the tablet cell's form is the one {% csrf_token %} wrote.
_VISIT_LINE = ('\n    <tr>\n      <td><a href="{}">{}</a></td>\n'
               '      <td><span class="joint-tag {}">{}</span></td>\n'
               '      <td>{}</td>\n      <td>{}</td>\n      <td>{} – {}</td>\n      <td>{}</td>\n'
               '      ')
_TABLET_FORM = ('<form method="post" action="{}"><input type="hidden" '
                'name="csrfmiddlewaretoken" value="{}"><button type="submit" title="{}">{}</button>'
                '</form>')
_VISIT_END = '\n    </tr>\n  '
_BASELINE_LINE = ('<tr><td><a href="{}">{}</a></td><td><span class="joint-tag {}">{}</span></td>'
                  '<td>{}</td><td>{}</td></tr>')
_TASK_LINE = ('\n    <tr>\n      <td><a href="{}">{}</a></td>\n      <td class="mono">{}</td>\n'
              '      <td>{} · {}</td>\n      <td>{}</td>\n      <td>{}</td>\n'
              '      <td><a class="button" href="{}">{}</a></td>\n    </tr>\n  ')


def _patient(row: VisitRow | TaskRow | BaselineRow) -> str:
    """The patient's name as `Patient.__str__` words it: "SMITH, Ada (MRN-1)"."""
    return f"{row.family_name.upper()}, {row.given_name} ({row.mrn})"


def _episode_names() -> Callable[[str, str], str]:
    """`str(episode)` ("Left knee") for a side and joint in the active language."""
    language = get_language()
    return lambda side, joint: _episode_words(language, side, joint)


@functools.cache
def _episode_words(language: str | None, side: str, joint: str) -> str:
    # Worded once per language, side and joint in a process, by the model itself (an unsaved
    # episode): making one took 0.1 ms, and a page names 30 joints.
    with override(language):
        return str(JointEpisode(side=side, joint=joint))


@register.simple_tag(takes_context=True)
def visit_lines(context: template.Context, rows: Sequence[VisitRow], *,
                tablet: bool = False) -> SafeString:
    """Return the table rows of a visit section; with `tablet`, each visit's "Open on
    tablet" button (it signs the coordinator out and hands the device to the patient)."""
    schedule_url, tablet_url, dates = (url_maker("followup:schedule"),
                                       url_maker("followup:tablet-open"), active_dates())
    if tablet:
        token = context.get("csrf_token")
        hands_over = _("Signs you out of this device and hands it to the patient")
        open_on_tablet = _("Open on tablet")
    lines, episode_name = [], _episode_names()
    kind_label = functools.cache(functools.partial(label, VisitKind))
    for visit in rows:
        lines.append(filled(_VISIT_LINE, (
            schedule_url(visit.episode_id), _patient(visit), visit.joint,
            episode_name(visit.side, visit.joint),
            visit.label, kind_label(visit.kind), dates.day(visit.earliest),
            dates.day(visit.latest), dates.day(visit.target))))
        if tablet:
            form = filled(_TABLET_FORM, (tablet_url(visit.id), token, hands_over,
                                         open_on_tablet)) if visit.kind == VisitKind.VISIT else ""
            lines.append(f"<td>{form}</td>")
        lines.append(_VISIT_END)
    return mark_safe("".join(lines))


@register.simple_tag
def task_lines(rows: Sequence[TaskRow]) -> SafeString:
    """Return the table rows of a task section: patient, phone, visit, detail, since, close."""
    schedule_url, close_url, dates = (url_maker("followup:schedule"),
                                      url_maker("followup:task-close"), active_dates())
    no_phone, close_task = _("no phone"), _("Close task")
    episode_name = _episode_names()
    return mark_safe("".join(filled(_TASK_LINE, (
        schedule_url(task.episode_id), _patient(task), task.phone or no_phone,
        task.visit_label, episode_name(task.side, task.joint), task.detail,
        dates.day(task.created_at), close_url(task.id), close_task)) for task in rows))


@register.simple_tag
def baseline_lines(rows: Sequence[BaselineRow]) -> SafeString:
    """Return the rows of treatments without a baseline: patient, joint, injected, flag."""
    schedule_url, dates, episode_name = url_maker("followup:schedule"), active_dates(), \
        _episode_names()
    return mark_safe("".join(filled(_BASELINE_LINE, (
        schedule_url(row.episode_id), _patient(row), row.joint,
        episode_name(row.side, row.joint), dates.day(row.administered_on), row.problem))
        for row in rows))
