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
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signing import BadSignature, TimestampSigner
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from orthoregen.instruments import score
from orthoregen.instruments.textpacks import TextPack, text_pack_for
from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import ReportedBy
from orthoregen.web.accounts.licences import licence_problem
from orthoregen.web.followup.models import (
    ComplicationReport,
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

SIGNER = TimestampSigner(salt="orthoregen.portal.invitation")

# Asked with every follow-up questionnaire (docs/follow-up.md#reminders): a yes goes to a
# clinician.
COMPLICATION_QUESTIONS = (
    ("new_swelling", "Since your last visit, has the treated joint had new swelling?"),
    ("redness", "Has the skin over the treated joint been red or hot?"),
    ("fever", "Have you had a fever (38 °C or higher)?"),
    ("pain_much_worse", "Has the pain in the treated joint become much worse?"),
    ("hospital_visit", "Have you been to a hospital or emergency department for any reason?"),
)


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
    A choice with none (KOOS without a licence or pack) is left to staff entry.
    """
    if visit.kind != VisitKind.VISIT:
        return []
    protocol = visit.schedule.protocol.as_protocol()
    site = visit.schedule.episode.patient.site
    today = timezone.localdate()
    offered = []
    for choice in protocol.instruments_for(Joint(visit.schedule.episode.joint)):
        if choice.reported_by != ReportedBy.PATIENT:
            continue
        for option in choice.options:
            if licence_problem(site, option, today) is not None:
                continue
            pack = text_pack_for(option, text_language(), text_pack_dirs())
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
    return min(now + dt.timedelta(days=valid_days), window_closes)


@transaction.atomic
def invitation_create(visit: ScheduledVisit, *, now: dt.datetime | None = None
                      ) -> tuple[QuestionnaireInvitation, str]:
    """Create a private link to a visit's questionnaires; return it and its token (shown once)."""
    now = now or timezone.now()
    nonce = secrets.token_urlsafe(32)
    invitation = QuestionnaireInvitation.objects.create(
        visit=visit, token_digest=_digest(nonce), expires_at=_link_expiry(visit, now))
    return invitation, SIGNER.sign(f"{invitation.pk}.{nonce}")


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
    visit = invitation.visit
    if visit.status != VisitState.PENDING:
        raise LinkRefused(f"visit is {visit.status}", invitation)
    if Withdrawal.objects.filter(patient_id=visit.schedule.episode.patient_id).exists():
        raise LinkRefused("patient withdrew from follow-up", invitation)
    return invitation


@transaction.atomic
def draft_save(invitation: QuestionnaireInvitation, instrument_id: str, answers: dict) -> None:
    """Keep one instrument's validated answers so the patient can continue later."""
    locked = QuestionnaireInvitation.objects.select_for_update().get(pk=invitation.pk)
    locked.draft = {**locked.draft, instrument_id: answers}
    locked.save(update_fields=["draft"])
    invitation.draft = locked.draft


@transaction.atomic
def questionnaire_submit(invitation: QuestionnaireInvitation, complications: dict[str, bool], *,
                         now: dt.datetime | None = None) -> list[QuestionnaireResponse]:
    """Score and store every drafted instrument once, the complication answers, and close.

    Idempotent: the invitation row is locked and each response's key is the invitation and
    instrument, so a double tap, a second tab or a network retry stores nothing twice.
    """
    now = now or timezone.now()
    locked = QuestionnaireInvitation.objects.select_for_update().select_related(
        "visit__schedule__episode__patient__site").get(pk=invitation.pk)
    visit = locked.visit
    episode = visit.schedule.episode
    zone = ZoneInfo(episode.patient.site.time_zone)
    day = now.astimezone(zone).date()
    responses = []
    for instrument_id, answers in locked.draft.items():
        result = score(instrument_id, answers)
        response, _ = QuestionnaireResponse.objects.get_or_create(
            idempotency_key=f"invitation-{locked.pk}:{instrument_id}",
            defaults={"episode": episode, "visit": visit, "timepoint": visit.timepoint,
                      "instrument_id": instrument_id, "instrument_version": result.version,
                      "answers": answers, "scores": result.values, "completed_on": day,
                      "submitted_at": now, "source": ResponseSource.PORTAL})
        responses.append(response)
    report, created = ComplicationReport.objects.get_or_create(
        invitation=locked, defaults={"visit": visit, "answers": complications,
                                     "any_yes": any(complications.values()),
                                     "submitted_at": now})
    if created and report.any_yes:
        said_yes = [q for q, text in COMPLICATION_QUESTIONS if complications.get(q)]
        ReviewTask.objects.create(visit=visit, kind=TaskKind.COMPLICATION_REVIEW,
                                  detail="Patient answered yes: " + ", ".join(said_yes),
                                  created_at=now)
    if locked.used_at is None:
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        # Every other link of the visit stops working too: the questionnaire is done.
        for other in visit.invitations.filter(used_at__isnull=True).exclude(pk=locked.pk):
            other.used_at = now
            other.save(update_fields=["used_at"])
    visit_complete(visit, completed_on=day)
    return responses
