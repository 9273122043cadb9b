"""Staff entry of an instrument for a visit (paper, telephone, clinician-reported) and corrections.

The same core scoring runs as for the portal (`orthoregen.instruments.score`), so a missing
item follows the instrument's own rule. Clinician-reported instruments and parts are refused
here, not only in the view, to any role the roles table does not allow
(`Action.ENTER_CLINICIAN_REPORTED`). A correction keeps the earlier version in
django-simple-history with its reason and re-scores; nothing is ever deleted.
See docs/follow-up.md#staff-entry-and-mode-of-administration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.instruments import ResponseError, ScoreResult, get_instrument, score
from orthoregen.instruments.definitions import CompletedBy, Instrument, format_code
from orthoregen.instruments.textpacks import TextPack, text_pack_for
from orthoregen.products.episode import Joint
from orthoregen.scheduling.baseline import BaselineProblem, baseline_problem
from orthoregen.scheduling.protocol import BASELINE_VISIT_ID
from orthoregen.web.accounts.licences import licence_problem
from orthoregen.web.accounts.roles import Action
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem
from orthoregen.web.followup.models import (
    QuestionnaireResponse,
    ResponseSource,
    ScheduledVisit,
    VisitKind,
)
from orthoregen.web.followup.questionnaires import text_language, text_pack_dirs
from orthoregen.web.followup.services import visit_complete

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

# The parts of an instrument completed by both that belong to the clinician: the Constant
# score's motion and strength (Constant & Murley 1987; 65 of its 100 points).
CLINICIAN_PARTS: dict[str, tuple[str, ...]] = {"constant": ("range_of_motion", "strength")}
PATIENT_MODES = (ResponseSource.PAPER, ResponseSource.TELEPHONE)
REASON_MAX = 300


class EntryRefused(Exception):
    """Input the service will not store; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ClinicianOnly(PermissionDenied):
    """A clinician-reported instrument or part entered by a role that may not (403)."""


@dataclass(frozen=True)
class EntryInstrument:
    """An instrument staff may enter at a visit, with what it needs."""

    instrument: Instrument
    due: bool  # the protocol asks for it at this visit
    clinician_items: frozenset[str]
    pack: TextPack | None  # wording and labels, only where the site may show them

    @property
    def clinician_only(self) -> bool:
        return self.clinician_items == frozenset(self.instrument.item_index)

    def modes(self) -> tuple[ResponseSource, ...]:
        """Return the modes of administration this instrument can be entered in."""
        if self.clinician_only:
            return (ResponseSource.CLINICIAN,)
        if self.clinician_items:
            return (ResponseSource.CLINICIAN, *PATIENT_MODES)
        return PATIENT_MODES


def clinician_items(instrument: Instrument) -> frozenset[str]:
    """Return the items of an instrument only a clinician may enter (all, some or none)."""
    if instrument.completed_by == CompletedBy.CLINICIAN:
        return frozenset(instrument.item_index)
    return frozenset(item for part in CLINICIAN_PARTS.get(instrument.id, ())
                     for item in instrument.subscale(part).items)


def wording(site: Site, instrument: Instrument, on: dt.date) -> TextPack | None:
    """Return the text pack the site may show staff, or None (item numbers and codes only).

    The rule of the portal (followup.questionnaires.patient_instruments): wording the code
    may ship, or a proprietary instrument with the site's current licence and its installed
    pack (docs/instruments.md#licences-and-item-wording).
    """
    if licence_problem(site, instrument.id, on) is not None:
        return None
    return text_pack_for(instrument.id, text_language(), text_pack_dirs())


def entry_instruments(visit: ScheduledVisit, *, on: dt.date | None = None
                      ) -> list[EntryInstrument]:
    """Return every instrument for the visit's joint, the protocol's due ones first."""
    on = on or timezone.localdate()
    episode = visit.schedule.episode
    due: list[str] = []
    try:
        for choice in visit.schedule.protocol.as_protocol().instruments_for(Joint(episode.joint)):
            due += [option for option in choice.options if option not in due]
    except ValueError:  # a protocol without instruments for this joint: nothing is due
        pass
    from orthoregen.instruments import instrument_ids

    others = [i for i in instrument_ids()
              if i not in due and episode.joint in get_instrument(i).joints]
    site = episode.patient.site
    return [EntryInstrument(instrument=(instrument := get_instrument(i)), due=i in due,
                            clinician_items=clinician_items(instrument),
                            pack=wording(site, instrument, on))
            for i in due + others]


def entry_instrument(visit: ScheduledVisit, instrument_id: str) -> EntryInstrument:
    """Return one instrument staff may enter at this visit, or raise EntryRefused."""
    if visit.kind != VisitKind.VISIT:
        raise EntryRefused(gettext("%(visit)s is an %(kind)s slot, not a questionnaire visit.")
                           % {"visit": visit.label, "kind": visit.get_kind_display()})
    for offered in entry_instruments(visit):
        if offered.instrument.id == instrument_id:
            return offered
    raise EntryRefused(gettext("%(instrument)r is not an instrument for the %(joint)s.")
                       % {"instrument": instrument_id, "joint": visit.schedule.episode.joint})


def _check_role(offered: EntryInstrument, answers: Mapping[str, object], by: User) -> None:
    if by.may(Action.ENTER_CLINICIAN_REPORTED):
        return
    entered = sorted(i for i in offered.clinician_items if answers.get(i) is not None)
    if offered.clinician_only or entered:
        if offered.clinician_only:
            raise ClinicianOnly(gettext("Only a clinician may enter %(instrument)s: it is "
                                        "measured at the visit's examination.")
                                % {"instrument": offered.instrument.name})
        raise ClinicianOnly(gettext("Only a clinician may enter the clinician's part of the "
                                    "%(instrument)s (%(items)s): it is measured at the visit's "
                                    "examination.")
                            % {"instrument": offered.instrument.name, "items": ", ".join(entered)})


def _check_mode(offered: EntryInstrument, mode: str) -> ResponseSource:
    allowed = offered.modes()
    if mode not in allowed:
        names = ", ".join(m.label.lower() for m in allowed)
        raise EntryRefused(gettext("The %(instrument)s is entered as: %(modes)s.")
                           % {"instrument": offered.instrument.name, "modes": names}, "mode")
    return ResponseSource(mode)


def _check_injection(visit: ScheduledVisit, completed_on: dt.date) -> None:
    """Refuse a baseline completed after the joint's injection or too long before it, and a
    follow-up completed before it.

    The baseline rule is the core's (scheduling.baseline.baseline_problem with the visit's
    protocol's BaselineSpec, as the worklist judges it, docs/follow-up.md#baseline): an answer
    after the day of injection measures the treated joint, and one more than
    `days_before_injection` days before it no longer describes the joint that was treated.
    The window alone catches neither: a baseline visit completed before treatment keeps its
    window, so a second instrument entered there later would pass it, and a window cut at
    the injection still opens on the day the baseline was asked, which may be longer ago.
    """
    given_on = visit.schedule.administered_on
    if given_on is None:  # the injection is not recorded yet: nothing to compare with
        return
    joint = visit.schedule.episode.joint
    days = {"joint": joint, "given": date_format(given_on, "d M Y"),
            "completed": date_format(completed_on, "d M Y"), "visit": visit.label}
    if visit.timepoint == BASELINE_VISIT_ID:
        spec = visit.schedule.protocol.as_protocol().baseline
        problem = baseline_problem(spec, given_on, completed_on)
        if problem is BaselineProblem.AFTER_INJECTION:
            raise EntryRefused(gettext(
                "A baseline is measured before treatment: the %(joint)s was injected on "
                "%(given)s, so a form completed on %(completed)s is not its baseline. Enter it "
                "at the follow-up visit whose window holds that date.") % days, "completed_on")
        if problem is BaselineProblem.TOO_EARLY:
            raise EntryRefused(gettext(
                "A baseline counts up to %(most)s days before the injection: the %(joint)s was "
                "injected on %(given)s, so a form completed on %(completed)s, %(before)s days "
                "before it, no longer describes the joint that was treated.")
                % {**days, "most": spec.days_before_injection,
                   "before": (given_on - completed_on).days}, "completed_on")
    elif completed_on < given_on:
        raise EntryRefused(gettext(
            "The %(visit)s visit follows the injection of the %(joint)s on %(given)s; a form "
            "completed on %(completed)s, before it, does not measure the treated joint.")
            % days, "completed_on")


def _check_day(visit: ScheduledVisit, completed_on: dt.date) -> None:
    if problems := date_problems(
            born=visit.schedule.episode.patient.date_of_birth,
            completed_on=Day(completed_on, gettext("The completion date"))):
        raise EntryRefused(first_problem(problems), "completed_on")
    _check_injection(visit, completed_on)
    if not visit.earliest <= completed_on <= visit.latest:
        raise EntryRefused(gettext(
            "The %(visit)s window runs from %(earliest)s to %(latest)s; a form completed on "
            "%(completed)s does not belong to this visit.")
            % {"visit": visit.label, "earliest": date_format(visit.earliest, "d M Y"),
               "latest": date_format(visit.latest, "d M Y"),
               "completed": date_format(completed_on, "d M Y")},
            "completed_on")


def _check_plausible(instrument: Instrument, answers: Mapping[str, float | None]) -> None:
    """Refuse what the item ranges allow but no body does (both directions at once)."""
    if instrument.id == "rom_knee" and (answers.get("extension_deficit_deg") or 0) > 0 \
            and (answers.get("hyperextension_deg") or 0) > 0:
        raise EntryRefused(gettext("A knee cannot both lack extension and hyperextend: record "
                                   "one of the two, the other 0."), "hyperextension_deg")


def scored(instrument_id: str, answers: Mapping[str, float | None]) -> ScoreResult:
    """Score with the core, turning an item it refuses into a field error."""
    try:
        return score(instrument_id, answers)
    except ResponseError as error:
        item = get_instrument(instrument_id).item(error.item_id) \
            if error.item_id in get_instrument(instrument_id).item_index else None
        what = f"{error.item_id} ({item.topic})" if item else error.item_id
        raise EntryRefused(gettext("%(item)s: %(problem)s; allowed: %(allowed)s.")
                           % {"item": what, "problem": error.problem, "allowed": error.allowed},
                           error.item_id) from None


def _clean(answers: Mapping[str, float | None]) -> dict[str, int | float]:
    return {item: (int(v) if float(v).is_integer() else float(v))
            for item, v in answers.items() if v is not None}


@transaction.atomic
def entry_record(*, visit: ScheduledVisit, instrument_id: str,
                 answers: Mapping[str, float | None], mode: str, completed_on: dt.date,
                 by: User, key: str) -> QuestionnaireResponse:
    """Score and store one instrument entered by staff for a visit; return the response.

    `key` is the form's one-time submission key: the same page sent twice stores once.
    A second entry of the same instrument at the same visit is refused (correct it instead).
    """
    idempotency_key = f"entry:{key}"
    done = QuestionnaireResponse.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    # One writer per visit at a time, so two staff entering the same form store it once.
    visit = ScheduledVisit.objects.select_for_update(of=("self",)).select_related(
        "schedule__episode__patient__site", "schedule__protocol").get(pk=visit.pk)
    offered = entry_instrument(visit, instrument_id)
    _check_role(offered, answers, by)
    source = _check_mode(offered, mode)
    _check_day(visit, completed_on)
    _check_plausible(offered.instrument, answers)
    if visit.responses.filter(instrument_id=instrument_id).exists():
        raise EntryRefused(gettext("A %(instrument)s is already recorded for the %(visit)s "
                                   "visit: open it and correct it instead.")
                           % {"instrument": offered.instrument.name, "visit": visit.label})
    clean = _clean(answers)
    result = scored(instrument_id, clean)
    response = QuestionnaireResponse(
        episode=visit.schedule.episode, visit=visit, timepoint=visit.timepoint,
        instrument_id=instrument_id, instrument_version=result.version, answers=clean,
        scores=result.values, completed_on=completed_on, submitted_at=timezone.now(),
        source=source, entered_by=by, idempotency_key=idempotency_key)
    response._history_user = by  # type: ignore[attr-defined]  # read by simple-history
    response._change_reason = f"entered by staff ({source.label.lower()})"  # type: ignore[attr-defined]
    response.save()
    visit_complete(visit, completed_on=completed_on)
    return response


@transaction.atomic
def entry_correct(*, response: QuestionnaireResponse, answers: Mapping[str, float | None],
                  reason: str, by: User) -> QuestionnaireResponse:
    """Correct a response's answers with a reason, re-score it and keep the old version.

    The earlier answers and scores stay in the response's history with who, when and why.
    """
    reason = (reason or "").strip()
    if not reason:
        raise EntryRefused(gettext("Say why the answers are corrected: the reason is kept "
                                   "with the earlier version."), "reason")
    if len(reason) > REASON_MAX:
        raise EntryRefused(gettext("Keep the reason under %(most)s characters.")
                           % {"most": REASON_MAX}, "reason")
    locked = QuestionnaireResponse.objects.select_for_update(of=("self",)).select_related(
        "visit__schedule__episode__patient__site", "visit__schedule__protocol").get(
        pk=response.pk)
    instrument = get_instrument(locked.instrument_id)
    clean = _clean(answers)
    changed = {item for item in instrument.item_index
               if clean.get(item) != locked.answers.get(item)}
    if not changed:
        raise EntryRefused(gettext(
            "Nothing was changed: the answers are those already recorded."))
    touched = sorted(changed & clinician_items(instrument))
    if touched and not by.may(Action.ENTER_CLINICIAN_REPORTED):
        raise ClinicianOnly(gettext("Only a clinician may change the clinician-reported "
                                    "items of the %(instrument)s (%(items)s).")
                            % {"instrument": instrument.name, "items": ", ".join(touched)})
    _check_plausible(instrument, clean)
    result = scored(locked.instrument_id, clean)
    locked.answers = clean
    locked.scores = result.values
    locked.instrument_version = result.version
    locked._history_user = by  # type: ignore[attr-defined]
    locked._change_reason = reason  # type: ignore[attr-defined]
    locked.save(update_fields=["answers", "scores", "instrument_version"])
    return locked


def answers_text(instrument: Instrument, answers: Mapping[str, object],
                 pack: TextPack | None) -> list[tuple[str, str, str]]:
    """Return (item id, label, answer) rows for display; licensed labels only with a pack."""
    rows = []
    for item in instrument.items:
        value = answers.get(item.id)
        shown = "not answered" if value is None else format_code(float(value))  # type: ignore[arg-type]
        label = item.topic  # the project's own short topic, not licensed wording
        if pack is not None:
            text = pack.item(item.id)
            label = text.text
            if value is not None and item.scale is None:
                shown = f"{shown} · {text.label(float(value))}"  # type: ignore[arg-type]
        if value is not None and item.scale is not None:
            shown = f"{shown} {item.scale.unit}"
        rows.append((item.id, label, shown))
    return rows
