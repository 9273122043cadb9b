"""Adverse events: record one, start its reporting clock and alert at once when serious."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.products.ae_clock import (
    AdverseEventFacts,
    Relatedness,
    ReportingPathway,
    reporting_due_dates,
)
from orthoregen.web.accounts.models import Site, SiteSafetyLead, User
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, refuse_implausible
from orthoregen.web.followup.models import ScheduledVisit, SiteFollowUpSettings
from orthoregen.web.followup.services import pending_visits_stop
from orthoregen.web.mail import mail_connection, portal_base_url
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent

LOG = logging.getLogger(__name__)

# A site that has not configured its pathways gets the EU tissues-and-cells duty ("without
# delay"), the strictest clock, rather than none: an unconfigured clinic must not see no
# due date for a serious reaction.
DEFAULT_PATHWAYS = frozenset({ReportingPathway.EU_TISSUES_CELLS})


def site_pathways(site: Site) -> frozenset[ReportingPathway]:
    """Return the reporting pathways a site is under (SiteFollowUpSettings)."""
    row = SiteFollowUpSettings.objects.filter(site=site).first()
    if row is None or not row.reporting_pathways:
        return DEFAULT_PATHWAYS
    return frozenset(ReportingPathway(p) for p in row.reporting_pathways)


def event_facts(event: AdverseEvent) -> AdverseEventFacts:
    """Return the core's view of a recorded event."""
    return AdverseEventFacts(
        seriousness=frozenset(event.seriousness), expected=event.expected,
        product_relatedness=Relatedness(event.product_relatedness),
        procedure_relatedness=Relatedness(event.procedure_relatedness),
        involves_communicable_disease=event.involves_communicable_disease,
        needed_medical_or_surgical_intervention=event.needed_intervention)


@dataclass(frozen=True, kw_only=True)
class AdverseEventReport:
    """One adverse event as the clinician reports it: term, CTCAE grade, seriousness
    criteria (none ticked: not serious), relatedness, action and outcome."""

    episode: JointEpisode | None = None
    procedure_reference: str = ""
    term: str
    term_other: str = ""
    onset_on: dt.date
    aware_on: dt.date
    ctcae_grade: int
    seriousness: tuple[str, ...] = ()
    expected: bool = False
    involves_communicable_disease: bool = False
    needed_intervention: bool = False
    procedure_relatedness: str
    product_relatedness: str
    action: str
    outcome: str
    resolved_on: dt.date | None = None
    description: str = ""
    responsible_clinician: User | None = None


@transaction.atomic
def adverse_event_record(patient: Patient, *, report: AdverseEventReport, by: User,
                         submission_key: str | None = None,
                         base_url: str | None = None) -> AdverseEvent:
    """Record an adverse event with its report due dates; alert at once if it is serious."""
    adverse_event_dates_check(patient, onset_on=report.onset_on, aware_on=report.aware_on,
                              resolved_on=report.resolved_on)
    event = AdverseEvent(
        patient=patient, episode=report.episode,
        procedure_reference=report.procedure_reference, term=report.term,
        term_other=report.term_other, onset_on=report.onset_on, aware_on=report.aware_on,
        ctcae_grade=report.ctcae_grade, seriousness=list(report.seriousness),
        expected=report.expected,
        involves_communicable_disease=report.involves_communicable_disease,
        needed_intervention=report.needed_intervention,
        procedure_relatedness=report.procedure_relatedness,
        product_relatedness=report.product_relatedness, action=report.action,
        outcome=report.outcome, resolved_on=report.resolved_on, description=report.description,
        responsible_clinician=report.responsible_clinician, submission_key=submission_key,
        recorded_by=by, recorded_at=timezone.now())
    dues = reporting_due_dates(event_facts(event), event.aware_on, site_pathways(patient.site))
    event.report_dues = [{"rule_id": d.rule_id, "report": d.report,
                          "due_on": d.due_on.isoformat(), "basis": d.basis} for d in dues]
    event.save()
    if event.is_serious:
        # Sent when the transaction commits, so a rolled-back record alerts nobody.
        transaction.on_commit(lambda: serious_event_alert(event, base_url=base_url))
    return event


def adverse_event_record_once(patient: Patient, *, report: AdverseEventReport,
                              submission_key: str, by: User,
                              base_url: str | None = None) -> tuple[AdverseEvent, bool]:
    """Record an event from one form submission; return it and whether it is new.

    A second submission of the same form (a double-click, a reload, a retry reaching another
    server process) returns the event the first one recorded and records and alerts nothing.
    """
    earlier = _event_with_key(submission_key)
    if earlier is not None:
        return earlier, False
    try:
        return adverse_event_record(patient, report=report, by=by, submission_key=submission_key,
                                    base_url=base_url), True
    except IntegrityError:
        # Both submissions passed the check above at once; the unique key let one commit,
        # and this one's transaction (with its alert, sent only on commit) rolled back.
        earlier = _event_with_key(submission_key)
        if earlier is None:
            raise
        return earlier, False


def adverse_event_dates_check(patient: Patient, *, onset_on: dt.date, aware_on: dt.date,
                              resolved_on: dt.date | None) -> None:
    """Refuse (ValidationError) an onset, awareness or resolution that cannot be true.

    Not before the patient's birth nor after today (clinic.plausible); the clinic cannot
    learn of an event before it began, nor can it resolve before it began.
    """
    onset = gettext("the onset")
    refuse_implausible(
        born=patient.date_of_birth, onset_on=Day(onset_on, gettext("The onset")),
        aware_on=Day(aware_on, gettext("The awareness date"), onset_on, onset),
        resolved_on=Day(resolved_on, gettext("The resolution"), onset_on, onset))


def _event_with_key(submission_key: str) -> AdverseEvent | None:
    return AdverseEvent.objects.filter(submission_key=submission_key).first()


def alert_recipients(event: AdverseEvent) -> list[str]:
    """Return the addresses alerted: the responsible clinician and the site's safety leads."""
    users = [lead.user for lead in SiteSafetyLead.objects.filter(site=event.patient.site)
             .select_related("user")]
    if event.responsible_clinician:
        users.append(event.responsible_clinician)
    return sorted({u.email for u in users if u.email and u.is_active})


def serious_event_alert(event: AdverseEvent, *, base_url: str | None = None) -> int:
    """Email the serious-event alert with the reporting due dates; return messages sent."""
    recipients = alert_recipients(event)
    if not recipients:
        return 0
    dues = "\n".join(f"- {d['report']}: due {d['due_on']} ({d['basis']})"
                     for d in event.report_dues) or "- no regulatory report triggered"
    link = (base_url or portal_base_url()) + reverse("safety:ae-detail", args=[event.pk])
    # No name or MRN in the email: the link opens the record behind a login.
    body = (f"A serious adverse event was recorded at {event.patient.site.name}.\n\n"
            f"Event: {event.term_display}, CTCAE grade {event.ctcae_grade}\n"
            f"Seriousness: {', '.join(event.seriousness)}\nOnset: {event.onset_on}\n"
            f"Clinic aware on: {event.aware_on}\n\nReports due:\n{dues}\n\nOpen: {link}\n")
    try:
        return send_mail(f"SERIOUS adverse event at {event.patient.site.code}: reports due",
                         body, None, recipients, connection=mail_connection())
    except OSError as error:  # smtplib errors are OSErrors
        # The event is saved and its banner shows; a lost email must not hide that.
        LOG.error("serious adverse event %s: alert email failed: %s", event.pk, error)
        return 0


def open_serious_events(queryset: QuerySet[AdverseEvent]) -> QuerySet[AdverseEvent]:
    """Return serious events whose regulatory reports are not yet marked done."""
    return queryset.exclude(seriousness=[]).filter(reports_done_on__isnull=True)


def earliest_due(event: AdverseEvent) -> dt.date | None:
    """Return the first report due date of an event, if any."""
    dates = [dt.date.fromisoformat(d["due_on"]) for d in event.report_dues]
    return min(dates) if dates else None


@transaction.atomic
def outcome_event_record(episode: JointEpisode, *, occurred_on: dt.date, note: str = "",
                         by: User) -> OutcomeEvent:
    """Record conversion to joint replacement and stop that joint's later visits."""
    refuse_implausible(born=episode.patient.date_of_birth,
                       occurred_on=Day(occurred_on, gettext("The joint replacement date")))
    event, _ = OutcomeEvent.objects.update_or_create(
        episode=episode, kind="arthroplasty",
        defaults={"occurred_on": occurred_on, "note": note, "recorded_by": by})
    # Scores after a replacement describe the prosthesis, not the injected joint.
    pending_visits_stop(ScheduledVisit.objects.filter(schedule__episode=episode,
                                                earliest__gt=occurred_on))
    return event
