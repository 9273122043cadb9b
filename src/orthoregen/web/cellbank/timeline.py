"""What the cell lab adds to the patient chart and the day list (hooks in web/stages.py).

The timeline's harvests, units issued to the patient's joints and product investigations;
the chart's flags for an open investigation or a recall that reaches this patient; and the
lab's day-list rows for units issued and waiting to go into a patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from orthoregen.products.status import UnitStatus
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import (
    CustodyEvent,
    Harvest,
    InvestigationRecipient,
    ProductUnit,
)
from orthoregen.web.cellbank.vocabulary import InvestigationStatus
from orthoregen.web.stages import ChartAlert, ChartFacts, DayRow, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode


def chart_investigations(facts: ChartFacts) -> list[InvestigationRecipient]:
    """Read once per chart: the patient's administrations under product investigation.

    Those given into the chart's joints (the panel and the timeline) and those of the
    patient's injection sessions (the flags), each with ``session_patient_id``.
    """
    return list(InvestigationRecipient.objects.filter(
        Q(administration__procedure_joint__episode__in=facts.episode_ids)
        | Q(administration__procedure_joint__procedure__patient_id=facts.patient.pk))
        .annotate(session_patient_id=F("administration__procedure_joint__procedure__patient"))
        .select_related("investigation", "administration__unit",
                        "administration__procedure_joint__episode")
        .order_by("investigation_id", "id"))


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[JointEpisode],
                   limit: int) -> list[TimelineEntry]:
    """Return harvests, units issued to these joints and investigations reaching them."""
    entries: list[TimelineEntry] = []
    episode_ids = [episode.pk for episode in episodes]
    harvests = Harvest.objects.filter(patient_id=facts.patient.pk) \
        .filter(Q(episode__in=episode_ids) | Q(episode__isnull=True)) \
        .order_by("-harvested_at")[:limit]
    for harvest in harvests:
        entries.append(TimelineEntry(
            on=localdate(harvest.harvested_at), at=harvest.harvested_at, what=_("Harvest"),
            title=_("%(source)s harvested") % {"source": harvest.get_source_display()},
            detail=f"{harvest.body_site}, {harvest.volume_ml} mL", episode_id=harvest.episode_id))
    issued = CustodyEvent.objects.filter(unit__issued_to_episode__in=episode_ids,
                                         to_status=UnitStatus.ISSUED) \
        .select_related("unit").order_by("-at")[:limit]
    for event in issued:
        unit = event.unit
        entries.append(TimelineEntry(
            on=localdate(event.at), at=event.at, what=_("Product"),
            title=_("Unit %(unit)s issued (%(product)s)") % {
                "unit": unit.identifier, "product": unit.get_product_class_display()},
            detail=_("now %(status)s") % {"status": unit.get_status_display().lower()},
            episode_id=unit.issued_to_episode_id,
            tone="alert" if unit.status == UnitStatus.RECALLED else ""))
    reviews = sorted((entry for entry in facts.rows(chart_investigations)
                      if entry.administration.procedure_joint.episode_id in episode_ids),
                     key=lambda entry: entry.investigation.opened_at, reverse=True)
    for entry in reviews[:limit]:
        investigation = entry.investigation
        entries.append(TimelineEntry(
            on=localdate(investigation.opened_at), at=investigation.opened_at,
            what=_("Product investigation"),
            title=_("Product investigation %(number)s opened (%(status)s): unit %(unit)s") % {
                "number": investigation.pk,
                "status": investigation.get_status_display().lower(),
                "unit": entry.administration.unit.identifier},
            detail=entry.detail, episode_id=entry.administration.procedure_joint.episode_id,
            url=reverse("cellbank:investigation-detail", args=[investigation.pk]),
            tone="alert" if investigation.is_open else ""))
    return entries


def chart_alerts(facts: ChartFacts) -> list[ChartAlert]:
    """Flag open investigations of units this patient received, and recalled issued units."""
    alerts = []
    patient = facts.patient
    reviews = [entry for entry in facts.rows(chart_investigations)
               if entry.session_patient_id == patient.pk  # type: ignore[attr-defined]
               and entry.investigation.status == InvestigationStatus.OPEN]
    for entry in reviews:
        given = entry.administration
        alerts.append(ChartAlert(
            level="danger",
            text=_("Product investigation %(number)s open: unit %(unit)s went into the "
                   "%(joint)s — review this patient") % {
                "number": entry.investigation_id, "unit": given.unit.identifier,
                "joint": given.procedure_joint.episode},
            url=reverse("cellbank:investigation-detail", args=[entry.investigation_id])))
    recalled = ProductUnit.objects.filter(issued_to_episode__patient_id=patient.pk,
                                          status=UnitStatus.RECALLED)
    for unit in recalled.select_related("issued_to_episode"):
        alerts.append(ChartAlert(
            text=_("Unit %(unit)s issued for the %(joint)s was recalled: do not use it") % {
                "unit": unit.identifier, "joint": unit.issued_to_episode}))
    return alerts


def day_list(user: User, *, sites: Sequence[Any], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return units issued to a joint and not yet given: a procedure is to come."""
    if not (user.may(Action.MANAGE_PRODUCTS) or user.may(Action.RECORD_PROCEDURE)):
        return []
    waiting = scope(ProductUnit.objects, user).filter(
        site__in=sites, status__in=[UnitStatus.ISSUED, UnitStatus.THAWED],
        issued_to_episode__isnull=False) \
        .select_related("issued_to_episode__patient__site").order_by("expires_at", "id")[:200]
    rows = []
    for unit in waiting:
        episode = unit.issued_to_episode
        assert episode is not None  # filtered above
        if user.may(Action.RECORD_PROCEDURE):
            action, url = _("Record the procedure"), reverse("procedures:start",
                                                          args=[episode.patient_id])
        else:
            action, url = _("Open the unit"), reverse("cellbank:unit-detail", args=[unit.pk])
        rows.append(DayRow(
            on=max(today, start), kind=_("Procedure"), patient=episode.patient,
            joint=str(episode),
            detail=_("Unit %(unit)s %(status)s, expires %(expires)s") % {
                "unit": unit.identifier, "status": unit.get_status_display().lower(),
                "expires": date_format(unit.expires_at, "d M Y")},
            action=action, action_url=url))
    return rows
