"""Units of work of the consultation: intake, assessment, decision, consent, procedure gate.

Each write runs in one transaction and takes values, never a form; simple-history records
who changed what. Assessments
are computed by the pure engine (orthoregen.pathways.assess) on facts read from the
database (consultation.facts), never re-implemented here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from orthoregen.pathways import (
    Assessment,
    CandidacyFacts,
    ConsentElement,
    ConsentStatus,
    DecisionStatus,
    GateResult,
    Outcome,
    assess,
    facts_to_dict,
    needs_override_reason,
    procedure_may_proceed,
)
from orthoregen.pathways.consent import PROCEEDING_OUTCOMES
from orthoregen.web import stages
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, date_problems, refuse_implausible
from orthoregen.web.consultation.body import body_on
from orthoregen.web.consultation.carry_forward import CarriedForward
from orthoregen.web.consultation.consent_documents import consent_documents_offered
from orthoregen.web.consultation.facts import facts_from_episode
from orthoregen.web.consultation.forms import (
    CONDITIONS_REASON,
    agree_reason_message,
    conditions_changed,
    conditions_reason_message,
    conditions_saved_at,
    intake_saved_at,
)
from orthoregen.web.consultation.models import (
    Allergy,
    BodyMeasurement,
    CandidacyDecision,
    ConsentDocument,
    ConsentRecord,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PatientConditions,
    PatientHistory,
    PriorInjection,
    PriorSurgery,
    ProtocolVersion,
)
from orthoregen.web.consultation.models.consent import ConsentImmutable
from orthoregen.web.consultation.models.vocabulary import DecisionKind
from orthoregen.web.consultation.protocols import protocol_current

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User


@dataclass(frozen=True)
class EpisodeAssessment:
    """The engine's assessment of an episode with the protocol version and facts it used."""

    protocol: ProtocolVersion
    facts: CandidacyFacts
    assessment: Assessment

    @property
    def rules_needing_reason(self) -> list[str]:
        return sorted(result.rule_id for result in needs_override_reason(self.assessment))

    @property
    def may_override(self) -> bool:
        """Say whether proceeding needs a written reason (an override)."""
        return self.assessment.outcome not in PROCEEDING_OUTCOMES or bool(self.rules_needing_reason)


def episode_assess(episode: JointEpisode, on_date: dt.date) -> EpisodeAssessment:
    """Assess an episode's recorded facts with its site's current protocol on ``on_date``."""
    protocol = protocol_current(episode.patient.site)
    facts = facts_from_episode(episode, on_date)
    return EpisodeAssessment(protocol, facts, assess(facts, protocol.protocol(), on_date))


# Intake -------------------------------------------------------------------------------

class IntakeSavedMeanwhile(Exception):
    """The episode's intake was saved after the form was opened; nothing of the form was saved."""

    def __init__(self, stored: Intake | None):
        self.stored = stored
        if stored is None:
            super().__init__(gettext("The intake you were editing is no longer recorded; "
                                     "nothing was saved. Start it again."))
            return
        when = timezone.localtime(stored.entered_at)
        saved = {"time": date_format(when, "H:i"), "date": date_format(when, "d M Y")}
        if stored.entered_by is None:
            super().__init__(gettext(
                "This intake was saved by someone else at %(time)s on %(date)s while you were "
                "editing; review it before changing it. Nothing you entered was saved.") % saved)
            return
        who = stored.entered_by.get_full_name() or stored.entered_by.get_username()
        super().__init__(gettext(
            "This intake was saved by %(who)s at %(time)s on %(date)s while you were editing; "
            "review it before changing it. Nothing you entered was saved.")
            % {**saved, "who": who})


def intake_check_unchanged(stored: Intake | None, seen_saved_at: str) -> None:
    """Refuse (IntakeSavedMeanwhile) a form opened on another state than the stored intake."""
    if intake_saved_at(stored) != seen_saved_at:
        raise IntakeSavedMeanwhile(stored)


@dataclass(frozen=True, kw_only=True)
class IntakeAnswers:
    """The answers of one joint's intake; a blank yes/no (None) means "not asked"."""

    recorded_on: dt.date
    # Asked again for each joint (the patient's comorbidities are ConditionsAnswers)
    active_infection: bool | None = None
    pregnant_or_lactating: bool | None = None
    # Histories taken (the patient's own are on PatientHistory)
    conservative_care_reviewed: bool = False
    # Radiograph
    radiograph_scale: str = ""
    radiograph_grade: int | None = None
    radiograph_grader: str = ""
    radiograph_graded_on: dt.date | None = None
    # MRI review
    mri_reviewed_on: dt.date | None = None
    mri_cartilage_medial: str = ""
    mri_cartilage_lateral: str = ""
    mri_cartilage_patellofemoral: str = ""
    mri_cartilage_joint: str = ""
    mri_bone_marrow_lesions: bool | None = None
    mri_meniscal_or_labral_tear: bool | None = None
    mri_rotator_cuff: str = ""
    mri_avascular_necrosis: bool | None = None
    # Examination
    examined_on: dt.date | None = None
    flexion_degrees: int | None = None
    extension_degrees: int | None = None
    abduction_degrees: int | None = None
    external_rotation_degrees: int | None = None
    alignment: str = ""
    alignment_degrees: float | None = None
    effusion: bool | None = None
    mechanical_symptoms: bool | None = None
    # Baseline pain (height and weight are the patient's: BodyAnswers)
    pain_scale: str = ""
    pain_value: float | None = None
    pain_recorded_on: dt.date | None = None
    # Trials and plan
    other_trial_enrolled: bool | None = None
    other_trial_last_product_on: dt.date | None = None
    planned_product_source: str = ""


@dataclass(frozen=True, kw_only=True)
class ConditionsAnswers:
    """The patient's comorbidities and smoking; a blank yes/no (None) means "not asked"."""

    diabetes: bool | None = None
    inflammatory_arthritis: bool | None = None
    malignancy_status: str = ""
    malignancy_last_active_on: dt.date | None = None
    bleeding_disorder: bool | None = None
    immunodeficiency: bool | None = None
    childbearing_potential: bool | None = None
    effective_contraception: bool | None = None
    current_smoker: bool | None = None


@dataclass(frozen=True, kw_only=True)
class BodyAnswers:
    """A height and/or weight measured on a date (None: not measured then)."""

    height_cm: float | None = None
    weight_kg: float | None = None


@dataclass(frozen=True, kw_only=True)
class PatientAnswers:
    """The patient's own answers given on a joint's intake page, saved for the patient.

    ``reason`` explains a change of a recorded comorbidity; ``seen_saved_at`` names the
    comorbidities' stored state the answers were given on (forms.conditions_saved_at).
    """

    conditions: ConditionsAnswers
    body: BodyAnswers
    reason: str = ""
    seen_saved_at: str = ""

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> PatientAnswers:
        """Read the answers out of a valid form's values (forms.PATIENT_FORM_FIELDS)."""
        return cls(
            conditions=ConditionsAnswers(**{field.name: values[field.name]
                                            for field in fields(ConditionsAnswers)}),
            body=BodyAnswers(height_cm=values["height_cm"], weight_kg=values["weight_kg"]),
            reason=values.get(CONDITIONS_REASON) or "",
            seen_saved_at=values.get("conditions_seen_at") or "")


class ConditionsSavedMeanwhile(IntakeSavedMeanwhile):
    """The patient's comorbidities were saved after the page was opened; nothing was saved."""

    def __init__(self) -> None:
        Exception.__init__(self, gettext(
            "The patient's comorbidities were saved by someone else while you were editing; "
            "nothing you entered was saved. Review them and enter your changes again."))
        self.stored = None


class RowRefused(ValidationError):
    """A row change names a row that is not this record's current row, or lacks its reason."""


class ConditionsNeedReason(RowRefused):
    """A recorded comorbidity changed without a reason: refused, nothing saved (a RowRefused,
    so that a page refuses it as it refuses a row correction without its reason)."""


class DateRefused(RowRefused):
    """A date before the patient's birth or after today (clinic.plausible): refused, nothing
    saved (a RowRefused, so that a page refuses it as it refuses any row it cannot keep)."""


def _dates_check(patient: Patient, model: type[models.Model], values: dict[str, Any]) -> None:
    """Refuse (DateRefused, by field) any date among ``values`` that cannot be true."""
    what = str(model._meta.verbose_name)
    days = {name: Day(value, gettext("The %(field)s of the %(record)s") % {
                "field": getattr(model._meta.get_field(name), "verbose_name", name),
                "record": what})
            for name, value in values.items() if isinstance(value, dt.date)}
    if problems := date_problems(born=patient.date_of_birth, **days):
        raise DateRefused({field: [capfirst(message)] for field, message in problems.items()})


@transaction.atomic
def patient_conditions_save(patient: Patient, *, answers: ConditionsAnswers, asked_on: dt.date,
                            reason: str = "", seen_saved_at: str, by: User
                            ) -> PatientConditions:
    """Record the patient's comorbidities and smoking, seen by every joint's assessment.

    Answering a question left "not asked" needs no reason; changing a recorded answer needs
    ``reason`` (ConditionsNeedReason otherwise), which the patient's history keeps with the
    earlier answer, who changed it and when. A save by someone else since ``seen_saved_at``
    (forms.conditions_saved_at) refuses it (ConditionsSavedMeanwhile).
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).exists()
    stored = PatientConditions.objects.filter(patient_id=patient.pk).first()
    if conditions_saved_at(stored) != seen_saved_at:
        raise ConditionsSavedMeanwhile()
    values = {field.name: getattr(answers, field.name) for field in fields(ConditionsAnswers)}
    _dates_check(patient, PatientConditions, {**values, "asked_on": asked_on})
    changed = conditions_changed(stored, values)
    if changed and not reason.strip():
        raise ConditionsNeedReason({CONDITIONS_REASON: conditions_reason_message(changed)})
    if stored is not None and all(getattr(stored, k) == v for k, v in values.items()):
        return stored  # nothing new: no history row saying it changed
    conditions = stored or PatientConditions(patient=patient)
    for name, value in values.items():
        setattr(conditions, name, value)
    conditions.asked_on, conditions.entered_by = asked_on, by
    if changed:
        conditions._change_reason = f"corrected: {reason.strip()}"  # type: ignore[attr-defined]  # read by simple-history
    conditions.full_clean(exclude=["patient"])
    conditions.save()
    return conditions


@transaction.atomic
def body_measure(patient: Patient, *, body: BodyAnswers, measured_on: dt.date,
                 by: User) -> BodyMeasurement | None:
    """Record a height and/or weight measured on ``measured_on``, if it says something new.

    A value equal to the patient's latest one on that date is not recorded again, and a
    blank one says nothing (a measurement entered in error is removed on the patient's
    history page, with its reason). Returns the new row, or None.
    """
    latest = body_on(patient.pk, measured_on)
    height = body.height_cm if body.height_cm != latest.height_cm else None
    weight = body.weight_kg if body.weight_kg != latest.weight_kg else None
    if height is None and weight is None:
        return None
    row = BodyMeasurement(patient=patient, measured_on=measured_on, height_cm=height,
                          weight_kg=weight, entered_by=by, recorded_by=by)
    row.full_clean(exclude=["patient"])
    row.save()
    return row


@transaction.atomic
def intake_save(episode: JointEpisode, *, answers: IntakeAnswers, seen_saved_at: str,
                patient: PatientAnswers | None = None, carried: CarriedForward | None = None,
                tables: dict[str, TableChanges] | None = None, by: User) -> Intake:
    """Create or update an episode's intake with ``answers`` and its rows, all or nothing.

    ``seen_saved_at`` names the stored state the answers were given on (forms.intake_saved_at);
    if someone saved the intake since, nothing is saved (IntakeSavedMeanwhile). ``patient``
    holds the patient's own answers given on this page (comorbidities, height and weight),
    saved for the patient in the same transaction (patient_conditions_save, body_measure);
    every joint's assessment reads them. A new intake ``carried`` forward records its
    source in its history. ``tables`` adds, corrects and removes rows in the same
    transaction: "care" of this intake, "lab" of the patient; a refused row (RowRefused)
    saves nothing.
    """
    # Saves of one episode's intake queue on the episode's row, so the later one reads the
    # earlier one's intake here instead of overwriting it or breaking the one-intake rule.
    JointEpisode.objects.select_for_update().filter(pk=episode.pk).exists()
    stored = _intake_stored(episode)
    intake_check_unchanged(stored, seen_saved_at)
    _dates_check(episode.patient, Intake,
                 {field.name: getattr(answers, field.name) for field in fields(IntakeAnswers)})
    intake = stored or Intake(episode=episode)
    for field in fields(IntakeAnswers):
        setattr(intake, field.name, getattr(answers, field.name))
    intake.entered_by = by
    if carried is not None:
        intake.carried_forward_from = carried.source
        # simple-history (untyped) reads _change_reason into the history row.
        intake._change_reason = (  # type: ignore[attr-defined]
            f"carried forward from intake {carried.source.pk}")
    try:
        with transaction.atomic():
            intake.save()
    except IntegrityError:
        # A writer that did not queue on the episode (or a database without row locks)
        # stored the intake first: the same refusal, never a server error.
        if (stored := _intake_stored(episode)) is None:
            raise
        raise IntakeSavedMeanwhile(stored) from None
    if patient is not None:
        owner = episode.patient
        patient_conditions_save(owner, answers=patient.conditions, asked_on=intake.recorded_on,
                                reason=patient.reason, seen_saved_at=patient.seen_saved_at,
                                by=by)
        body_measure(owner, body=patient.body, measured_on=intake.recorded_on, by=by)
    for key, changes in (tables or {}).items():
        if key in INTAKE_TABLE_MODELS:
            _apply(INTAKE_TABLE_MODELS[key], changes, owner={"intake": intake}, by=by)
        else:
            _apply(PATIENT_TABLE_MODELS[key], changes,
                   owner={"patient": episode.patient}, by=by)
    return intake


def _intake_stored(episode: JointEpisode) -> Intake | None:
    return Intake.objects.select_related("entered_by").filter(episode_id=episode.pk).first()


# One dated row of each history table, as the history forms record it.

@dataclass(frozen=True, kw_only=True)
class PriorInjectionRow:
    agent: str
    joint: str
    side: str = ""
    given_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class PriorSurgeryRow:
    kind: str
    joint: str
    side: str = ""
    performed_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class ConservativeCareRow:
    treatment: str
    last_tried_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class MedicationRow:
    kind: str
    name: str
    current: bool = True
    last_dose_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class LabResultRow:
    test: str
    value: float
    collected_on: dt.date


@dataclass(frozen=True, kw_only=True)
class AllergyRow:
    substance: str
    reaction: str = ""
    severity: str = ""


@dataclass(frozen=True, kw_only=True)
class BodyMeasurementRow:
    measured_on: dt.date
    height_cm: float | None = None
    weight_kg: float | None = None


HistoryRow = (PriorInjectionRow | PriorSurgeryRow | ConservativeCareRow | MedicationRow
              | LabResultRow | AllergyRow | BodyMeasurementRow)
HistoryModel = (PriorInjection | PriorSurgery | ConservativeCare | Medication | LabResult
                | Allergy | BodyMeasurement)
# The table each row goes into, and back (the views know the table from the form).
HISTORY_TABLES: dict[type, type[HistoryModel]] = {
    PriorInjectionRow: PriorInjection, PriorSurgeryRow: PriorSurgery,
    ConservativeCareRow: ConservativeCare, MedicationRow: Medication, LabResultRow: LabResult,
    AllergyRow: Allergy, BodyMeasurementRow: BodyMeasurement}
HISTORY_ROWS = {table: row for row, table in HISTORY_TABLES.items()}


@dataclass(frozen=True, kw_only=True)
class RowEdit:
    """A correction of a recorded row: its new values and why."""

    id: int
    row: HistoryRow
    reason: str


@dataclass(frozen=True, kw_only=True)
class RowRemoval:
    """A recorded row removed as entered in error, with why; it is kept, marked removed."""

    id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class TableChanges:
    """What one submission does to one history table."""

    added: tuple[HistoryRow, ...] = ()
    edited: tuple[RowEdit, ...] = ()
    removed: tuple[RowRemoval, ...] = ()


PATIENT_TABLE_MODELS: dict[str, type[HistoryModel]] = {
    "injection": PriorInjection, "surgery": PriorSurgery, "medication": Medication,
    "allergy": Allergy, "lab": LabResult, "body": BodyMeasurement}
INTAKE_TABLE_MODELS: dict[str, type[ConservativeCare]] = {"care": ConservativeCare}


def _apply(model: type[HistoryModel], changes: TableChanges, *, owner: dict, by: User) -> None:
    """Add, correct and remove rows of ``model`` belonging to ``owner``; refuse a stranger."""
    current = model.objects.filter(**owner, removed_at__isnull=True)
    patient = owner["patient"] if "patient" in owner else owner["intake"].episode.patient
    for row in [*(edit.row for edit in changes.edited), *changes.added]:
        _dates_check(patient, model, {f.name: getattr(row, f.name) for f in fields(row)})
    for edit in changes.edited:
        row = _owned(current, edit.id, edit.reason)
        if type(edit.row) is not HISTORY_ROWS[model]:
            raise RowRefused(gettext("A %(row)s cannot correct a %(model)s.")
                             % {"row": type(edit.row).__name__, "model": model.__name__})
        for field in fields(edit.row):
            setattr(row, field.name, getattr(edit.row, field.name))
        row.entered_by = by
        row._change_reason = f"corrected: {edit.reason.strip()}"  # read by simple-history
        row.full_clean()
        row.save()
    for removal in changes.removed:
        row = _owned(current, removal.id, removal.reason)
        row.removed_at, row.removed_by = timezone.now(), by
        row.removal_reason = removal.reason.strip()
        row._change_reason = f"removed: {removal.reason.strip()}"  # read by simple-history
        row.save()
    for new in changes.added:
        if type(new) is not HISTORY_ROWS[model]:
            raise RowRefused(gettext("A %(row)s is not a row of %(model)s.")
                             % {"row": type(new).__name__, "model": model.__name__})
        values = {field.name: getattr(new, field.name) for field in fields(new)}
        item = model(**owner, **values, entered_by=by)
        if hasattr(item, "recorded_by"):
            item.recorded_by = by
        item.full_clean(exclude=list(owner))
        item.save()


def _owned(current: Any, row_id: int, reason: str) -> Any:
    if not reason.strip():
        raise RowRefused(gettext("A correction or removal needs its reason."))
    row = current.filter(pk=row_id).first()
    if row is None:
        raise RowRefused(gettext("A row you changed is no longer recorded here (removed, or "
                                 "not this patient's); nothing was saved. Open the page "
                                 "again."))
    return row


# The patient's own history ------------------------------------------------------------

class HistorySavedMeanwhile(Exception):
    """The patient's history was saved after the page was opened; nothing was saved."""


def history_saved_at(history: PatientHistory | None) -> str:
    """Name the stored state a history page is opened on: its last save, "" if none."""
    return history.entered_at.isoformat() if history is not None and history.pk else ""


@dataclass(frozen=True, kw_only=True)
class HistoriesTaken:
    """Which of the patient's histories were taken (an empty table then means "none")."""

    injections_reviewed: bool = False
    surgeries_reviewed: bool = False
    medications_reviewed: bool = False
    allergies_reviewed: bool = False


@transaction.atomic
def patient_history_save(patient: Patient, *, taken: HistoriesTaken, seen_saved_at: str,
                         tables: dict[str, TableChanges], by: User) -> PatientHistory:
    """Record the patient's histories and their rows (every joint's), all or nothing.

    ``tables`` maps "injection", "surgery", "medication" and "allergy" to the rows to add,
    correct (with a reason) and remove (with a reason; the row is kept, marked removed).
    A row that is not this patient's current row, or a change without its reason, refuses
    the whole submission (RowRefused); a save by someone else since ``seen_saved_at``
    refuses it too (HistorySavedMeanwhile). Every joint's assessment reads the result.
    """
    # Saves of one patient's history queue on the patient's row.
    Patient.objects.select_for_update().filter(pk=patient.pk).exists()
    history = PatientHistory.objects.filter(patient_id=patient.pk).first()
    if history_saved_at(history) != seen_saved_at:
        raise HistorySavedMeanwhile(gettext(
            "This patient's history was saved by someone else while you were editing; "
            "nothing you entered was saved. Review it and enter your changes again."))
    history = history or PatientHistory(patient=patient)
    for field in fields(HistoriesTaken):
        setattr(history, field.name, getattr(taken, field.name))
    history.entered_by = by
    history.save()
    for key, changes in tables.items():
        _apply(PATIENT_TABLE_MODELS[key], changes, owner={"patient": patient}, by=by)
    return history


# Decision -----------------------------------------------------------------------------

@transaction.atomic
def decision_record(episode: JointEpisode, *, kind: str, reason: str, seen_outcome: str,
                    by: User, on_date: dt.date) -> CandidacyDecision:
    """Record the clinician's decision on a fresh assessment, with its facts snapshot.

    Refuses (ValidationError, nothing saved) an override or a decline without a written
    reason, an override when nothing needs one, and any decision taken on a result that
    has changed since the clinician saw it.
    """
    current = episode_assess(episode, on_date)
    outcome = current.assessment.outcome
    reason = reason.strip()
    _check_decision(kind, reason, seen_outcome, current)
    decision = CandidacyDecision.objects.create(
        episode=episode, protocol=current.protocol, kind=kind, outcome=outcome.value,
        defer_until=current.assessment.defer_until, reason=reason, assessed_on=on_date,
        rules_needing_reason=current.rules_needing_reason,
        facts=facts_to_dict(current.facts), assessment=current.assessment.to_dict(),
        decided_on=on_date, decided_by=by)
    stages.after_decision(decision, by=by)  # e.g. follow-up asks for the baseline
    return decision


class DecisionNeedsReason(ValidationError):
    """Agreeing with a result whose rules need a written reason, without one: refused."""


def _check_decision(kind: str, reason: str, seen_outcome: str,
                    current: EpisodeAssessment) -> None:
    if seen_outcome != current.assessment.outcome.value:
        raise ValidationError({"kind": gettext("The protocol result changed since this page "
                                               "was loaded (the intake was edited). Review it "
                                               "again.")})
    proceeding = current.assessment.outcome in PROCEEDING_OUTCOMES
    if kind == DecisionKind.AGREE and proceeding and current.rules_needing_reason \
            and not reason:
        # Agreeing here means proceeding past rules that need a reason: it is refused now,
        # not later at the procedure gate.
        raise DecisionNeedsReason({"reason": agree_reason_message(current.rules_needing_reason)})
    if kind == DecisionKind.OVERRIDE and not current.may_override:
        raise ValidationError({"kind": gettext("Nothing to override: the result allows the "
                                               "procedure without a reason.")})
    if kind in (DecisionKind.OVERRIDE, DecisionKind.DECLINE) and not reason:
        rules = ", ".join(current.rules_needing_reason) or current.assessment.outcome.value
        needs = gettext("Overriding %(rules)s needs a written reason.") % {"rules": rules} \
            if kind == DecisionKind.OVERRIDE else gettext("Declining treatment needs a written "
                                                          "reason.")
        raise ValidationError({"reason": needs})


def decision_latest(episode: JointEpisode) -> CandidacyDecision | None:
    """Return the episode's current decision (the latest; earlier ones are superseded)."""
    return episode.decisions.order_by("-decided_on", "-decided_at", "-id").first()


def decision_status(decision: CandidacyDecision) -> DecisionStatus:
    """Describe a stored decision as the procedure gate reads it."""
    outcome = Outcome(decision.outcome)
    if decision.kind == DecisionKind.DECLINE:
        outcome = Outcome.NOT_SUITABLE
    reason = decision.reason if decision.kind == DecisionKind.OVERRIDE else None
    if decision.kind == DecisionKind.AGREE and outcome in PROCEEDING_OUTCOMES \
            and decision.rules_needing_reason and decision.reason:
        # An agreement to proceed past rules that need a reason carries that reason (the
        # decision service refuses it without one); agreeing to defer never lets one pass.
        reason = decision.reason
    return DecisionStatus(outcome, decision.decided_on,
                          frozenset(decision.rules_needing_reason), reason)


# Consent ------------------------------------------------------------------------------

@transaction.atomic
def consent_record(episode: JointEpisode, *, document: ConsentDocument, consented_on: dt.date,
                   consenting_as: str, consenting_person: str,
                   elements_confirmed: Collection[str], by: User) -> ConsentRecord:
    """Record a patient's informed consent to ``document``, with the elements discussed.

    ``document`` must be the version in use at the patient's clinic (its latest published
    version of that title, consent_documents.consent_documents_offered); a draft, another
    clinic's document or a version since replaced is refused (ValidationError on
    ``document``), and nothing is recorded.
    """
    offered = consent_documents_offered(episode.patient.site)
    if not offered.filter(pk=document.pk).exists():
        if document.site_id != episode.patient.site_id:
            refusal = gettext("%(document)s belongs to another clinic.")
        elif not document.is_published:
            refusal = gettext("%(document)s is not published: a consent can only be recorded "
                              "on a published version.")
        else:
            refusal = gettext("%(document)s has been replaced by a newer published version; "
                              "record the consent on the version in use.")
        refusal %= {"document": document}
        raise ValidationError({"document": refusal})
    refuse_implausible(born=episode.patient.date_of_birth, consented_on=Day(
        consented_on, gettext("The date of consent")))
    return ConsentRecord.objects.create(
        episode=episode, document=document, consented_on=consented_on,
        consenting_as=consenting_as, consenting_person=consenting_person,
        elements_confirmed=sorted(elements_confirmed), taken_by=by)


@transaction.atomic
def consent_withdraw(record: ConsentRecord, *, withdrawn_on: dt.date, reason: str,
                     by: User) -> ConsentRecord:
    """Record that consent was withdrawn; a withdrawal is recorded once and never changed."""
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if record.is_withdrawn:
        raise ConsentImmutable(gettext("Consent was already withdrawn on %(day)s.")
                               % {"day": record.withdrawn_on})
    if withdrawn_on < record.consented_on:
        raise ValidationError({"withdrawn_on": gettext("Withdrawal cannot precede the "
                                                       "consent.")})
    refuse_implausible(born=None, withdrawn_on=Day(withdrawn_on, gettext("The withdrawal")))
    record.withdrawn_on = withdrawn_on
    record.withdrawal_reason = reason.strip()
    record.withdrawal_recorded_by = by
    record.withdrawal_recorded_at = timezone.now()
    record.save()
    return record


def consent_current(episode: JointEpisode) -> ConsentRecord | None:
    """Return the episode's latest consent record (possibly withdrawn), or None."""
    return episode.consents.select_related("document") \
        .order_by("-consented_on", "-recorded_at", "-id").first()


def consent_status(record: ConsentRecord) -> ConsentStatus:
    """Describe a consent record as the procedure gate reads it."""
    confirmed = frozenset(ConsentElement(value) for value in record.elements_confirmed
                          if value in ConsentElement._value2member_map_)
    return ConsentStatus(record.document.version, record.consented_on, confirmed,
                         withdrawn_on=record.withdrawn_on)


def consent_documents_current(site: Site) -> list[ConsentDocument]:
    """Return the consent documents a new consent at ``site`` is recorded on: of each title,
    its latest published version."""
    return list(consent_documents_offered(site))


# The procedure gate -------------------------------------------------------------------

def procedure_gate(episode: JointEpisode, on_date: dt.date) -> GateResult:
    """Say whether a procedure on ``episode`` may proceed on ``on_date``, with every reason if not.

    For the procedure stage (docs/candidacy.md#procedure-gate): call it before recording a
    procedure and refuse when ``result.may_proceed`` is False, showing ``result.reasons`` to
    the clinician. It reads the episode's latest consent record and latest candidacy decision
    and applies ``orthoregen.pathways.procedure_may_proceed``: consent must be dated on or
    before ``on_date``, not withdrawn by then and confirm every element of
    docs/candidacy.md#informed-consent (21 CFR 50.25); the decision must be suitable (or
    suitable to discuss) with no rule needing a reason, or an override with a written reason.
    A decline or a plain agreement with defer, not suitable or incomplete never lets a
    procedure proceed. Reads only; writes nothing.
    """
    consent = consent_current(episode)
    decision = decision_latest(episode)
    return procedure_may_proceed(
        consent_status(consent) if consent else None,
        decision_status(decision) if decision else None,
        on_date,
    )


# The recipient's weight ------------------------------------------------------------------

# A weight older than this before the administration is not the weight at administration
# (USP <85> per kg of the weight at administration, docs/cell-products.md#endotoxin); the
# cell lab then uses its assumed 70 kg. Ninety days spans the usual consultation-to-injection
# wait.
RECIPIENT_WEIGHT_VALID_DAYS = 90


@dataclass(frozen=True)
class WeightReading:
    """A body weight in kg and the date it was measured (the intake that first recorded it)."""

    weight_kg: float
    measured_on: dt.date


def recipient_weight_kg(patient: Patient, on_date: dt.date) -> WeightReading | None:
    """Return the patient's most recent weight measured on or before ``on_date``, or None.

    For the cell lab's per-dose endotoxin limit (USP <85>: 5 EU/kg x body weight,
    docs/cell-products.md#endotoxin). Weight belongs to the patient (BodyMeasurement rows,
    whichever joint's intake page recorded them). None when no weight is recorded, or when
    the latest one was measured more than RECIPIENT_WEIGHT_VALID_DAYS before ``on_date``.
    ``patient`` must come from the caller's own site scoping (accounts.access); only that
    patient's rows are read. Reads only; writes nothing.
    """
    body = body_on(patient.pk, on_date)
    if body.weight_kg is None or body.weight_measured_on is None:
        return None
    if (on_date - body.weight_measured_on).days > RECIPIENT_WEIGHT_VALID_DAYS:
        return None
    return WeightReading(body.weight_kg, body.weight_measured_on)
