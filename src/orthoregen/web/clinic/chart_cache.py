"""The patient chart's content, computed once per patient data version and kept in the cache.

What is kept: the stages' output for one chart (each joint with its state and panel lines,
the flags, one page of the timeline with each entry's joint name) drawn as the page's HTML
by the view (clinic/_chart_content.html), not the rows it is built from. Drawing the
content was two thirds of a cached chart's time when only the output was kept (a profile:
65 dates and some 450 template variables a chart). Keeping the rows (ChartFacts) would
still run every hook's Python and, since several hooks read outside ChartFacts (harvests,
issued units, sessions, MRI, allergies, the clinic's encounters), most of the queries too;
the output skips the ~30 queries and the formatting, which is what a chart costs
(bench/README.md, "Patient chart").

The key holds everything that output depends on besides the rows it reads:
- the patient's data version and the global one, from ``clinic_chartversion``, which
  triggers of migration 0005 change in the writing transaction itself on every INSERT,
  UPDATE and DELETE (and TRUNCATE, on PostgreSQL) of any table the chart reads, whichever
  path wrote it: the ORM, bulk_create, COPY, raw SQL, an import. They are read before any
  row, so rows read afterwards can only be newer than the key: a write commits its rows and
  its new version together;
- today's date (overdue visits, follow-up state), the language and the time zone (words,
  month names, local dates);
- what the user may do: the hooks depend on the user only through ``User.may`` (links to
  pages the role may open), which depends on the role and whether the account is active;
  the patient's site is checked by the view before the cache is asked (a user of another
  site gets a 404, never content);
- the joint shown and the timeline's length.

A new version is a random 53- or 64-bit number, never the next of a counter, so a chart
computed inside a transaction that rolls back, or after a database is restored from a
backup, sits under a version that no later committed state will take. Never kept here: the
patient row and the access check, the access record (written by every request), the page
around the content (header, actions, CSRF token), all rendered afresh each time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from orthoregen.web import stages
from orthoregen.web.accounts.models import User
from orthoregen.web.clinic import chart_triggers, hub
from orthoregen.web.clinic.models import JointEpisode, Patient

# The version row every chart's key also holds: configuration and shared rows (users'
# names, sites, protocols, consent documents, the cell lab's units and investigations).
GLOBAL = 0
# Bumped when the cached value's shape changes, so a file cache left by older code is not
# read back as this code's ChartContent.
FORMAT = 2
TIMEOUT_SECONDS = 24 * 3600  # a key holds today's date: a day is its longest useful life


@dataclass
class ChartContent:
    """What the chart shows of one patient's records for one kind of viewer, one day."""

    episodes: list[JointEpisode]  # each with .state and .panels for the template
    chosen: JointEpisode | None
    timeline: hub.Timeline
    timeline_rows: list[tuple[stages.TimelineEntry, str]]  # each entry with its joint's name
    joint_names: dict[int, str]
    alerts: list[stages.ChartAlert]


def versions(patient_id: int) -> tuple[int, int] | None:
    """Return the patient's data version and the global one; None without them or triggers.

    The same statement counts the version triggers: without them the versions would never
    change and the cache would keep a chart for ever (a migration that rebuilt a table on
    SQLite drops its triggers until the next migrate's reinstall), so the chart is then read
    from the stages at every request.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT patient_id, version FROM clinic_chartversion "
                       "WHERE patient_id IN (%s, %s) UNION ALL "
                       + chart_triggers.count_query(connection.vendor),
                       [patient_id, GLOBAL])
        found = dict(cursor.fetchall())
    if found.pop(-1, 0) < len(chart_triggers.trigger_names(connection.vendor)):
        return None
    if patient_id not in found or GLOBAL not in found:
        return None
    return found[patient_id], found[GLOBAL]


def cache_key(patient_id: int, version: tuple[int, int], *, user: User, today: dt.date,
              joint: int | None, limit: int) -> str:
    # Which database: two registries (a copy made with createdb -T, a demo beside a bench)
    # may share a cache directory and their patients' ids and versions.
    database = connection.settings_dict
    where = hashlib.sha256(f"{database.get('HOST', '')}:{database.get('PORT', '')}/"
                           f"{database['NAME']}".encode()).hexdigest()[:16]
    return ":".join(str(part) for part in (
        "chart", FORMAT, where, patient_id, *version, today.isoformat(),
        translation.get_language(), timezone.get_current_timezone_name(),
        user.role, user.is_active, joint or "", limit))


def chart_html(patient: Patient, *, user: User, joint: int | None, limit: int,
               draw: Callable[[ChartContent], str]) -> str | None:
    """Return the chart's content as ``draw`` writes it, from the cache or by asking every
    stage; None: no such joint.

    ``patient`` must already be one the user may see (accounts.access.get_visible_or_404).
    ``draw`` may depend on nothing but the content and what the key holds (the user's role
    and whether the account is active, language, time zone, date): never on a CSRF token, a
    nonce or the request's path.
    """
    today = timezone.localdate()
    version = versions(patient.pk)  # before any row: see the module's docstring
    if version is None:
        content = compute(patient, user=user, today=today, joint=joint, limit=limit)
        return None if content is None else draw(content)
    key = cache_key(patient.pk, version, user=user, today=today, joint=joint, limit=limit)
    html = cache.get(key)
    if html is None:
        content = compute(patient, user=user, today=today, joint=joint, limit=limit)
        if content is None:
            return None
        html = draw(content)
        cache.set(key, html, TIMEOUT_SECONDS)
    return html


def compute(patient: Patient, *, user: User, today: dt.date, joint: int | None,
            limit: int) -> ChartContent | None:
    """Ask every stage for the chart's content; None if ``joint`` is not on this chart."""
    episodes = list(patient.episodes.all())
    chosen = None
    if joint is not None:
        chosen = next((e for e in episodes if e.pk == joint), None)
        if chosen is None:
            return None
    # Every stage's hooks read the chart through one ChartFacts: each table once.
    facts = stages.ChartFacts(patient, episodes=episodes, user=user, today=today)
    panels = stages.chart_panels(facts)
    state = stages.joint_state(facts)
    nothing_yet = translation.gettext("No decision or treatment recorded yet")
    for episode in episodes:
        # Shown by the template only: JointEpisode declares no such attributes.
        headline = state.get(episode.pk, nothing_yet)
        episode.state = headline  # type: ignore[attr-defined]
        episode.panels = [line for line in panels.get(episode.pk, [])  # type: ignore[attr-defined]
                          if str(line["value"]) != headline]
    events = hub.timeline(facts, episodes=[chosen] if chosen else episodes, limit=limit)
    names = {episode.pk: str(episode) for episode in episodes}
    # Each entry with its joint's name, looked up once here: a loop over the joints inside
    # the template's loop over the entries cost more than the rest of the timeline.
    rows = [(entry, names.get(entry.episode_id, "") if entry.episode_id else "")
            for entry in events.entries]
    return ChartContent(episodes=episodes, chosen=chosen, timeline=events, timeline_rows=rows,
                        joint_names=names, alerts=stages.chart_alerts(facts))
