"""What the procedure room adds to the patient chart and the day list (web/stages.py hooks).

Each injection session and each administration (the product the patient received) on the
timeline; a treated joint's state ("Injected 3 times, last on ..."); the day list's
sessions of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import Administration, Procedure
from orthoregen.web.stages import ChartFacts, DayRow, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode


def _link(user: User, procedure_id: int) -> str:
    return reverse("procedures:detail", args=[procedure_id]) \
        if user.may(Action.RECORD_PROCEDURE) else ""


def _administrations(facts: ChartFacts) -> list[Administration]:
    """Read once per chart: every unit given into the patient's joints, the latest first."""
    return list(Administration.objects.filter(procedure_joint__episode__in=facts.episode_ids)
                .select_related("unit", "procedure_joint__episode", "by")
                .order_by("-administered_at", "id"))


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[JointEpisode],
                   limit: int) -> list[TimelineEntry]:
    """Return the injection sessions and the units given into these joints."""
    entries: list[TimelineEntry] = []
    user = facts.user
    # The session's joints are the patient's: their names come from the chart's episodes.
    names = {episode.pk: str(episode) for episode in facts.episodes}
    procedures = Procedure.objects \
        .filter(patient_id=facts.patient.pk, joints__episode__in=episodes).distinct() \
        .select_related("operator").prefetch_related("joints") \
        .order_by("-performed_on", "-id")[:limit]
    for procedure in procedures:
        joints = ", ".join(names.get(joint.episode_id) or str(joint.episode)
                           for joint in procedure.joints.all())
        entries.append(TimelineEntry(
            on=procedure.performed_on, at=procedure.time_out_at or procedure.created_at,
            what=_("Procedure"), title=_("Injection session: %(joints)s") % {"joints": joints},
            detail=_("operator %(name)s") % {"name": procedure.operator.get_full_name()}
                   + ("" if procedure.time_out_completed else "; " + _("time-out not recorded")),
            url=_link(user, procedure.pk)))
    shown = {episode.pk for episode in episodes}
    given = [administration for administration in facts.rows(_administrations)
             if administration.procedure_joint.episode_id in shown]
    for administration in given[:limit]:
        joint = administration.procedure_joint
        dose = f", {joint.dose_shown}" if joint.dose_shown else ""
        entries.append(TimelineEntry(
            on=localdate(administration.administered_at), at=administration.administered_at,
            what=_("Product received"),
            title=_("Unit %(unit)s given into the %(joint)s") % {
                "unit": administration.unit.identifier, "joint": joint.episode},
            detail=f"{administration.unit.get_product_class_display()}{dose}; "
                   + _("by %(name)s") % {"name": administration.by.get_full_name()},
            episode_id=joint.episode_id, url=_link(user, joint.procedure_id)))
    return entries


def joint_state(facts: ChartFacts) -> dict[int, str]:
    """Say how often and when each joint was injected."""
    times_given: dict[int, int] = {}
    last_given: dict[int, dt.datetime] = {}
    for administration in facts.rows(_administrations):  # the latest first
        episode_id = administration.procedure_joint.episode_id
        times_given[episode_id] = times_given.get(episode_id, 0) + 1
        last_given.setdefault(episode_id, administration.administered_at)
    state = {}
    for episode_id, n in times_given.items():
        last = date_format(localdate(last_given[episode_id]), "d M Y")
        if n == 1:
            state[episode_id] = _("Injected once, last on %(day)s") % {"day": last}
        else:
            state[episode_id] = ngettext("Injected %(n)s time, last on %(day)s",
                                         "Injected %(n)s times, last on %(day)s", n) % {
                "n": n, "day": last}
    return state


def day_list(user: User, *, sites: Sequence[Any], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return the period's injection sessions, with the way back into their record."""
    if not (user.may(Action.RECORD_PROCEDURE) or user.may(Action.MANAGE_PRODUCTS)):
        return []
    sessions = scope(Procedure.objects, user).filter(
        patient__site__in=sites, performed_on__range=(start, end)) \
        .select_related("patient__site").prefetch_related("joints__episode") \
        .annotate(given=Count("joints__administration")).order_by("performed_on", "id")[:200]
    rows = []
    for procedure in sessions:
        joints = ", ".join(str(joint.episode) for joint in procedure.joints.all())
        rows.append(DayRow(
            on=procedure.performed_on, kind=_("Procedure"), patient=procedure.patient,
            joint=joints, detail=_("%(given)s of %(joints)s joints given their unit") % {
                "given": procedure.given, "joints": len(procedure.joints.all())},
            action=_("Open the procedure record") if user.may(Action.RECORD_PROCEDURE) else "",
            action_url=_link(user, procedure.pk)))
    return rows
