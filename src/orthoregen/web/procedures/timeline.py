"""What the procedure room adds to the patient chart and the day list (web/stages.py hooks).

Each injection session and each administration (the product the patient received) on the
timeline; a treated joint's state ("Injected 3 times, last on ..."); the day list's
sessions of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.timezone import localdate

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import Administration, Procedure
from orthoregen.web.stages import DayRow, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode, Patient


def _link(user: User, procedure_id: int) -> str:
    return reverse("procedures:detail", args=[procedure_id]) \
        if user.may(Action.RECORD_PROCEDURE) else ""


def chart_timeline(patient: Patient, *, episodes: Sequence[JointEpisode], limit: int,
                   user: User) -> list[TimelineEntry]:
    """Return the injection sessions and the units given into these joints."""
    entries: list[TimelineEntry] = []
    procedures = Procedure.objects.filter(patient=patient, joints__episode__in=episodes) \
        .distinct().select_related("operator").prefetch_related("joints__episode") \
        .order_by("-performed_on", "-id")[:limit]
    for procedure in procedures:
        joints = ", ".join(str(joint.episode) for joint in procedure.joints.all())
        entries.append(TimelineEntry(
            on=procedure.performed_on, at=procedure.time_out_at or procedure.created_at,
            what="Procedure", title=f"Injection session: {joints}",
            detail=f"operator {procedure.operator.get_full_name()}"
                   + ("" if procedure.time_out_completed else "; time-out not recorded"),
            url=_link(user, procedure.pk)))
    given = Administration.objects.filter(procedure_joint__episode__in=episodes) \
        .select_related("unit", "procedure_joint__episode", "by") \
        .order_by("-administered_at")[:limit]
    for administration in given:
        joint = administration.procedure_joint
        dose = f", {joint.dose_shown}" if joint.dose_shown else ""
        entries.append(TimelineEntry(
            on=localdate(administration.administered_at), at=administration.administered_at,
            what="Product received",
            title=f"Unit {administration.unit.identifier} given into the {joint.episode}",
            detail=f"{administration.unit.get_product_class_display()}{dose}; "
                   f"by {administration.by.get_full_name()}",
            episode_id=joint.episode_id, url=_link(user, joint.procedure_id)))
    return entries


def joint_state(episodes: Sequence[JointEpisode]) -> dict[int, str]:
    """Say how often and when each joint was injected."""
    counts = Administration.objects.filter(procedure_joint__episode__in=episodes) \
        .values("procedure_joint__episode").annotate(n=Count("pk"), last=Max("administered_at"))
    state = {}
    for row in counts:
        times = "once" if row["n"] == 1 else f"{row['n']} times"
        state[row["procedure_joint__episode"]] = \
            f"Injected {times}, last on {localdate(row['last']):%d %b %Y}"
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
            on=procedure.performed_on, kind="Procedure", patient=procedure.patient,
            joint=joints, detail=f"{procedure.given} of {len(procedure.joints.all())} "
                                 "joints given their unit",
            action="Open the procedure record" if user.may(Action.RECORD_PROCEDURE) else "",
            action_url=_link(user, procedure.pk)))
    return rows
