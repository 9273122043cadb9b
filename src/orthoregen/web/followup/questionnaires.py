"""Private questionnaire links, the instruments a patient is offered, and submitting answers.

A link is `<invitation id>.<random nonce>` signed with Django's TimestampSigner: the
signature catches tampering before the database is asked, and the stored SHA-256 digest of
the nonce ties the link to exactly one invitation, hence one visit of one patient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from orthoregen.instruments import score
from orthoregen.instruments.textpacks import TextPack, text_pack_for
from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import BASELINE_VISIT_ID, ReportedBy
from orthoregen.web.accounts.licences import licence_problem, needs_licence, site_licences
from orthoregen.web.followup.models import (
    ComplicationReport,
    InvitationMode,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    ReviewTask,
    ScheduledVisit,
    SiteFollowUpSettings,
    TaskKind,
    VisitKind,
    VisitState,
    Withdrawal,
)
from orthoregen.web.followup.services import visit_complete

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

SIGNER = TimestampSigner(salt="orthoregen.portal.invitation")

# Asked with every follow-up questionnaire (docs/follow-up.md#reminders): a yes goes to a
# clinician. `{joint}` is the joint the question is about ("right knee"); the questions
# about the patient as a whole are asked once, whatever the number of joints.
COMPLICATION_QUESTIONS = (
    ("new_swelling", _("Since your last visit, has your {joint} had new swelling?")),
    ("redness", _("Has the skin over your {joint} been red or hot?")),
    ("fever", _("Have you had a fever (38 °C or higher)?")),
    ("pain_much_worse", _("Has the pain in your {joint} become much worse?")),
    ("hospital_visit", _("Have you been to a hospital or emergency department for any reason?")),
)
JOINT_QUESTIONS = frozenset({"new_swelling", "redness", "pain_much_worse"})
# How the clinician's review task names each yes (the codes stay in the stored answers).
COMPLICATION_WORDS = {"new_swelling": "new swelling", "redness": "red or hot skin",
                      "fever": "fever", "pain_much_worse": "pain much worse",
                      "hospital_visit": "hospital or emergency visit"}
# A tablet session in the clinic ends after this long without a request (and its page
# leaves itself a little before, docs/follow-up.md#in-clinic-tablet).
TABLET_IDLE = dt.timedelta(minutes=5)
TABLET_LONGEST = dt.timedelta(hours=2)


class LinkRefused(Exception):
    """A link that must not open a questionnaire; `reason` is for the audit trail only."""

    def __init__(self, reason: str, invitation: QuestionnaireInvitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


@dataclass(frozen=True)
class OfferedInstrument:
    instrument_id: str
    pack: TextPack


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def text_language() -> str:
    """Return the language of the text packs offered (the site language's primary tag)."""
    return settings.LANGUAGE_CODE.split("-")[0]


def text_pack_dirs() -> list:
    """Return where clinics install licensed text packs ($ORTHOREGEN_DATA_DIR/textpacks)."""
    return [settings.DATA_DIR / "textpacks"]


def patient_instruments(visit: ScheduledVisit) -> list[OfferedInstrument]:
    """Return the patient-reported instruments due at a visit that have text for the site.

    For each choice of the protocol the first option the site may send is offered: it needs a
    text pack and, for a proprietary instrument, a current site licence
    (docs/instruments.md#licences-and-item-wording).
    A choice with none (KOOS without a licence or pack) is left to staff entry. Wording in
    the patient's language is used when a pack for it is installed, else the site's
    (docs/translations.md#questionnaire-wording).
    """
    if visit.kind != VisitKind.VISIT:
        return []
    protocol = visit.schedule.protocol.as_protocol()
    site = visit.schedule.episode.patient.site
    language = visit.schedule.episode.patient.preferred_language
    today = timezone.localdate()
    choices = [choice for choice in protocol.instruments_for(Joint(visit.schedule.episode.joint))
               if choice.reported_by == ReportedBy.PATIENT]
    # One read of the site's licences, and none when every option's wording ships.
    licences = site_licences(site) if any(
        needs_licence(option) for choice in choices for option in choice.options) else {}
    offered = []
    for choice in choices:
        for option in choice.options:
            if licence_problem(site, option, today, licences=licences) is not None:
                continue
            pack = (text_pack_for(option, language, text_pack_dirs())
                    or text_pack_for(option, text_language(), text_pack_dirs()))
            if pack is not None:
                offered.append(OfferedInstrument(option, pack))
                break
    return offered


def _link_expiry(visit: ScheduledVisit, now: dt.datetime) -> dt.datetime:
    site = visit.schedule.episode.patient.site
    valid_days = getattr(SiteFollowUpSettings.objects.filter(site=site).first(),
                         "link_valid_days", 30)
    zone = ZoneInfo(site.time_zone)
    window_closes = dt.datetime.combine(visit.latest + dt.timedelta(days=1), dt.time(0), zone)
    if is_untreated_baseline(visit):
        # The injection, not the provisional window, ends a baseline (scheduling.baseline):
        # a staff link made after the first 90 days still works until the injection.
        window_closes = max(window_closes, now + dt.timedelta(days=1))
    return min(now + dt.timedelta(days=valid_days), window_closes)


def is_untreated_baseline(visit: ScheduledVisit) -> bool:
    """Say whether a visit is the baseline of a treatment not yet given."""
    return visit.timepoint == BASELINE_VISIT_ID and visit.schedule.administered_on is None


def site_day(visit: ScheduledVisit, now: dt.datetime) -> dt.date:
    """Return the day `now` falls on at the visit's site, the day its window is kept in."""
    return now.astimezone(ZoneInfo(visit.schedule.episode.patient.site.time_zone)).date()


def answerable(visit: ScheduledVisit, today: dt.date) -> bool:
    """Say whether a patient may still answer a visit's questionnaires on `today`.

    A baseline is refused after the day of its injection: answers given then describe the
    treated joint, and stored as a baseline they would bias every change computed from it.
    """
    if visit.status != VisitState.PENDING or visit.kind != VisitKind.VISIT:
        return False
    administered_on = visit.schedule.administered_on
    return not (visit.timepoint == BASELINE_VISIT_ID and administered_on is not None
                and today > administered_on)


def visits_due_with(visits: list[ScheduledVisit], *,
                    now: dt.datetime | None = None) -> list[ScheduledVisit]:
    """Return `visits` and the same patient's other joints due now, for one shared link.

    A patient with several joints due at once answers them through one link, joint by
    joint, instead of receiving one message per joint.
    """
    now = now or timezone.now()
    patient = visits[0].schedule.episode.patient
    today = site_day(visits[0], now)
    chosen = {v.pk for v in visits}
    others = ScheduledVisit.objects.select_related(
        "schedule__episode__patient__site", "schedule__protocol").filter(
        schedule__episode__patient=patient, kind=VisitKind.VISIT, status=VisitState.PENDING,
        earliest__lte=today, latest__gte=today).exclude(pk__in=chosen)
    extra = [v for v in others if answerable(v, today) and patient_instruments(v)]
    return sorted([*visits, *extra], key=lambda v: (v.schedule.episode_id, v.target, v.pk))


@transaction.atomic
def invitation_create(visit: ScheduledVisit, *, now: dt.datetime | None = None,
                      extra_visits: list[ScheduledVisit] | tuple = (),
                      mode: str = InvitationMode.PORTAL, opened_by: User | None = None
                      ) -> tuple[QuestionnaireInvitation, str]:
    """Create a private link to visits' questionnaires; return it and its token (shown once).

    `extra_visits` are the same patient's other joints answered through the same link. A
    tablet link (`mode` tablet, opened by a member of staff) lasts TABLET_IDLE from its
    last use, and at most TABLET_LONGEST.
    """
    now = now or timezone.now()
    patient_id = visit.schedule.episode.patient_id
    if any(v.schedule.episode.patient_id != patient_id for v in extra_visits):
        raise ValueError("a link holds the visits of one patient only")
    expires = min([_link_expiry(v, now) for v in [visit, *extra_visits]])
    if mode == InvitationMode.TABLET:
        expires = min(expires, now + TABLET_IDLE)
    nonce = secrets.token_urlsafe(32)
    invitation = QuestionnaireInvitation.objects.create(
        visit=visit, token_digest=_digest(nonce), expires_at=expires, mode=mode,
        opened_by=opened_by)
    if extra_visits:
        invitation.extra_visits.set([v for v in extra_visits if v.pk != visit.pk])
    return invitation, SIGNER.sign(f"{invitation.pk}.{nonce}")


def invitation_visits(invitation: QuestionnaireInvitation, *,
                      now: dt.datetime | None = None) -> list[ScheduledVisit]:
    """Return the visits a link still asks about, in the order the patient answers them."""
    now = now or timezone.now()
    today = site_day(invitation.visit, now)
    # Most links hold one joint: ask the link table first, whose query PostgreSQL plans in
    # microseconds, and join the visits only when there are any (that join of six tables
    # took about 1.3 ms to plan for an empty answer, on every portal page).
    extra_ids = list(QuestionnaireInvitation.extra_visits.through.objects.filter(
        questionnaireinvitation_id=invitation.pk).values_list("scheduledvisit_id", flat=True))
    extra = ScheduledVisit.objects.filter(pk__in=extra_ids).select_related(
        "schedule__episode__patient__site", "schedule__protocol").order_by(
        "schedule__episode_id", "target", "pk") if extra_ids else []
    return [v for v in [invitation.visit, *extra] if answerable(v, today)]


def draft_key(invitation: QuestionnaireInvitation, visit: ScheduledVisit,
              instrument_id: str) -> str:
    """Return where a link's draft keeps one visit's answers to one instrument."""
    return instrument_id if visit.pk == invitation.visit_id else f"{visit.pk}:{instrument_id}"


def invitation_open(token: str, *, now: dt.datetime | None = None) -> QuestionnaireInvitation:
    """Return the invitation a token opens, or raise LinkRefused saying why (for the audit)."""
    now = now or timezone.now()
    try:
        value = SIGNER.unsign(token)
    except BadSignature:
        raise LinkRefused("tampered or malformed link") from None
    pk, _, nonce = value.partition(".")
    invitation = (QuestionnaireInvitation.objects
                  .select_related("visit__schedule__episode__patient__site",
                                  "visit__schedule__protocol")
                  .filter(pk=int(pk) if pk.isdigit() else -1).first())
    if invitation is None or not constant_time_compare(invitation.token_digest, _digest(nonce)):
        raise LinkRefused("link does not match its invitation")
    if invitation.used_at is not None:
        raise LinkRefused("link already used", invitation)
    if now >= invitation.expires_at:
        raise LinkRefused("link expired", invitation)
    if invitation.mode == InvitationMode.TABLET and \
            now >= invitation.created_at + TABLET_LONGEST:
        raise LinkRefused("tablet session too long", invitation)
    visit = invitation.visit
    # The link's own visit is read already; only when it is done are its other joints read.
    if not answerable(visit, site_day(visit, now)) and not invitation_visits(invitation, now=now):
        if visit.status != VisitState.PENDING:
            raise LinkRefused(f"visit is {visit.status}", invitation)
        raise LinkRefused("baseline after the injection", invitation)
    if Withdrawal.objects.filter(patient_id=visit.schedule.episode.patient_id).exists():
        raise LinkRefused("patient withdrew from follow-up", invitation)
    if invitation.mode == InvitationMode.TABLET:
        # Idle time counts from the last request: each one gives the session TABLET_IDLE more.
        QuestionnaireInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=now + TABLET_IDLE)
    return invitation


@transaction.atomic
def draft_save(invitation: QuestionnaireInvitation, instrument_id: str, answers: dict) -> None:
    """Keep one instrument's validated answers so the patient can continue later."""
    locked = QuestionnaireInvitation.objects.select_for_update().get(pk=invitation.pk)
    locked.draft = {**locked.draft, instrument_id: answers}
    locked.save(update_fields=["draft"])
    invitation.draft = locked.draft


@transaction.atomic
def questionnaire_submit(invitation: QuestionnaireInvitation,
                         complications: dict[str, bool] | dict[int, dict[str, bool]], *,
                         now: dt.datetime | None = None) -> list[QuestionnaireResponse]:
    """Score and store every drafted instrument once, the complication answers, and close.

    `complications` maps each follow-up visit's id to its answers (a single dict of answers
    stands for the link's own visit). Idempotent: the invitation row is locked and each
    response's key is the invitation, visit and instrument, so a double tap, a second tab or
    a network retry stores nothing twice. A baseline whose injection has happened is not
    stored (answerable()).
    """
    now = now or timezone.now()
    locked = QuestionnaireInvitation.objects.select_for_update().select_related(
        "visit__schedule__episode__patient__site").get(pk=invitation.pk)
    day = site_day(locked.visit, now)
    visits = invitation_visits(locked, now=now)
    answers_by_visit: dict[int, dict[str, bool]] = (
        {locked.visit_id: complications}  # type: ignore[dict-item]
        if all(isinstance(k, str) for k in complications) else complications)  # type: ignore[assignment]
    source = (ResponseSource.TABLET if locked.mode == InvitationMode.TABLET
              else ResponseSource.PORTAL)
    responses = []
    for visit in visits:
        responses += _store_visit(locked, visit, answers_by_visit.get(visit.pk), source,
                                  now=now, day=day)
    if locked.used_at is None:
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        # Every other link of these visits stops working too: the questionnaires are done.
        for visit in visits:
            for other in QuestionnaireInvitation.objects.filter(
                    Q(visit=visit) | Q(extra_visits=visit), used_at__isnull=True) \
                    .exclude(pk=locked.pk).distinct():
                other.used_at = now
                other.save(update_fields=["used_at"])
    return responses


def _store_visit(locked: QuestionnaireInvitation, visit: ScheduledVisit,
                 complications: dict[str, bool] | None, source: str, *, now: dt.datetime,
                 day: dt.date) -> list[QuestionnaireResponse]:
    episode = visit.schedule.episode
    prefix = "" if visit.pk == locked.visit_id else f"{visit.pk}:"
    responses = []
    for key, answers in locked.draft.items():
        if prefix and not key.startswith(prefix) or not prefix and ":" in key:
            continue
        instrument_id = key.removeprefix(prefix)
        result = score(instrument_id, answers)
        suffix = instrument_id if not prefix else f"{visit.pk}:{instrument_id}"
        response, _ = QuestionnaireResponse.objects.get_or_create(
            idempotency_key=f"invitation-{locked.pk}:{suffix}",
            defaults={"episode": episode, "visit": visit, "timepoint": visit.timepoint,
                      "instrument_id": instrument_id, "instrument_version": result.version,
                      "answers": answers, "scores": result.values, "completed_on": day,
                      "submitted_at": now, "source": source})
        responses.append(response)
    if complications is not None and visit.timepoint != BASELINE_VISIT_ID:
        report, created = ComplicationReport.objects.get_or_create(
            invitation=locked, visit=visit,
            defaults={"answers": complications, "any_yes": any(complications.values()),
                      "submitted_at": now})
        if created and report.any_yes:
            said_yes = [COMPLICATION_WORDS[q] for q, _ in COMPLICATION_QUESTIONS
                        if complications.get(q)]
            ReviewTask.objects.create(
                visit=visit, site_id=visit.site_id, kind=TaskKind.COMPLICATION_REVIEW,
                created_at=now,
                detail=(f"Patient answered yes ({str(episode).lower()}): "
                        + ", ".join(said_yes))[:300])
    visit_complete(visit, completed_on=day)
    return responses
