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
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

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
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.carry_forward import CarriedForward, rows_carry
from orthoregen.web.consultation.facts import facts_from_episode
from orthoregen.web.consultation.forms import intake_saved_at
from orthoregen.web.consultation.models import (
    CandidacyDecision,
    ConsentDocument,
    ConsentRecord,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PriorInjection,
    PriorSurgery,
    ProtocolVersion,
)
from orthoregen.web.consultation.models.consent import ConsentImmutable
from orthoregen.web.consultation.models.intake import IntakeItem
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
            super().__init__("The intake you were editing is no longer recorded; nothing was "
                             "saved. Start it again.")
            return
        who = "someone else"
        if stored.entered_by is not None:
            who = stored.entered_by.get_full_name() or stored.entered_by.get_username()
        when = timezone.localtime(stored.entered_at)
        super().__init__(f"This intake was saved by {who} at {when:%H:%M on %d %b %Y} while "
                         "you were editing; review it before changing it. Nothing you "
                         "entered was saved.")


def intake_check_unchanged(stored: Intake | None, seen_saved_at: str) -> None:
    """Refuse (IntakeSavedMeanwhile) a form opened on another state than the stored intake."""
    if intake_saved_at(stored) != seen_saved_at:
        raise IntakeSavedMeanwhile(stored)


@dataclass(frozen=True, kw_only=True)
class IntakeAnswers:
    """The answers of one joint's intake; a blank yes/no (None) means "not asked"."""

    recorded_on: dt.date
    # Comorbidities
    diabetes: bool | None = None
    inflammatory_arthritis: bool | None = None
    malignancy_status: str = ""
    malignancy_last_active_on: dt.date | None = None
    bleeding_disorder: bool | None = None
    immunodeficiency: bool | None = None
    active_infection: bool | None = None
    pregnant_or_lactating: bool | None = None
    childbearing_potential: bool | None = None
    effective_contraception: bool | None = None
    current_smoker: bool | None = None
    # Histories taken
    injections_reviewed: bool = False
    surgeries_reviewed: bool = False
    conservative_care_reviewed: bool = False
    medications_reviewed: bool = False
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
    # Body measurements and baseline pain
    height_cm: float | None = None
    weight_kg: float | None = None
    pain_scale: str = ""
    pain_value: float | None = None
    pain_recorded_on: dt.date | None = None
    # Trials and plan
    other_trial_enrolled: bool | None = None
    other_trial_last_product_on: dt.date | None = None
    planned_product_source: str = ""


@transaction.atomic
def intake_save(episode: JointEpisode, *, answers: IntakeAnswers, seen_saved_at: str,
                carried: CarriedForward | None = None, by: User) -> Intake:
    """Create or update an episode's intake with ``answers``.

    ``seen_saved_at`` names the stored state the answers were given on (forms.intake_saved_at);
    if someone saved the intake since, nothing is saved (IntakeSavedMeanwhile). A new intake
    ``carried`` forward also copies the medication and laboratory rows the clinician kept;
    the intake and each copy record their source in their history.
    """
    # Saves of one episode's intake queue on the episode's row, so the later one reads the
    # earlier one's intake here instead of overwriting it or breaking the one-intake rule.
    JointEpisode.objects.select_for_update().filter(pk=episode.pk).exists()
    stored = _intake_stored(episode)
    intake_check_unchanged(stored, seen_saved_at)
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
    if carried is not None:
        rows_carry(intake, carried=carried, by=by)
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


HistoryRow = (PriorInjectionRow | PriorSurgeryRow | ConservativeCareRow | MedicationRow
              | LabResultRow)
# The table each row goes into, and back (the views know the table from the form).
HISTORY_TABLES: dict[type, type[PriorInjection | PriorSurgery | ConservativeCare | Medication
                                 | LabResult]] = {
    PriorInjectionRow: PriorInjection, PriorSurgeryRow: PriorSurgery,
    ConservativeCareRow: ConservativeCare, MedicationRow: Medication, LabResultRow: LabResult}
HISTORY_ROWS = {table: row for row, table in HISTORY_TABLES.items()}


@transaction.atomic
def intake_item_save(intake: Intake, *, row: HistoryRow, by: User) -> IntakeItem:
    """Add a history row (injection, surgery, conservative care, medication, lab)."""
    values = {field.name: getattr(row, field.name) for field in fields(row)}
    item = HISTORY_TABLES[type(row)](intake=intake, entered_by=by, **values)
    item.save()
    return item


@transaction.atomic
def intake_item_remove(item: IntakeItem) -> None:
    """Remove a history row entered in error; its history keeps the removed values."""
    item.delete()


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
    return CandidacyDecision.objects.create(
        episode=episode, protocol=current.protocol, kind=kind, outcome=outcome.value,
        defer_until=current.assessment.defer_until, reason=reason, assessed_on=on_date,
        rules_needing_reason=current.rules_needing_reason,
        facts=facts_to_dict(current.facts), assessment=current.assessment.to_dict(),
        decided_on=on_date, decided_by=by)


def _check_decision(kind: str, reason: str, seen_outcome: str,
                    current: EpisodeAssessment) -> None:
    if seen_outcome != current.assessment.outcome.value:
        raise ValidationError({"kind": "The protocol result changed since this page was "
                                       "loaded (the intake was edited). Review it again."})
    if kind == DecisionKind.OVERRIDE and not current.may_override:
        raise ValidationError({"kind": "Nothing to override: the result allows the procedure "
                                       "without a reason."})
    if kind in (DecisionKind.OVERRIDE, DecisionKind.DECLINE) and not reason:
        rules = ", ".join(current.rules_needing_reason) or current.assessment.outcome.value
        what = f"Overriding {rules}" if kind == DecisionKind.OVERRIDE else "Declining treatment"
        raise ValidationError({"reason": f"{what} needs a written reason."})


def decision_latest(episode: JointEpisode) -> CandidacyDecision | None:
    """Return the episode's current decision (the latest; earlier ones are superseded)."""
    return episode.decisions.order_by("-decided_on", "-decided_at", "-id").first()


def decision_status(decision: CandidacyDecision) -> DecisionStatus:
    """Describe a stored decision as the procedure gate reads it."""
    outcome = Outcome(decision.outcome)
    if decision.kind == DecisionKind.DECLINE:
        outcome = Outcome.NOT_SUITABLE
    reason = decision.reason if decision.kind == DecisionKind.OVERRIDE else None
    return DecisionStatus(outcome, decision.decided_on,
                          frozenset(decision.rules_needing_reason), reason)


# Consent ------------------------------------------------------------------------------

@transaction.atomic
def consent_record(episode: JointEpisode, *, document: ConsentDocument, consented_on: dt.date,
                   consenting_as: str, consenting_person: str,
                   elements_confirmed: Collection[str], by: User) -> ConsentRecord:
    """Record a patient's informed consent to ``document``, with the elements discussed."""
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
        raise ConsentImmutable(f"Consent was already withdrawn on {record.withdrawn_on}.")
    if withdrawn_on < record.consented_on:
        raise ValidationError({"withdrawn_on": "Withdrawal cannot precede the consent."})
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
    """Return the site's published consent documents, newest first."""
    return list(ConsentDocument.objects.filter(site=site, published=True)
                .order_by("-created_at", "-id"))


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
    docs/cell-products.md#endotoxin). Weight belongs to the patient, so every intake of every
    joint counts. An intake whose patient-level answers were carried forward from another intake
    keeps the weight's original date when it kept the weight unchanged: a copy is not a new
    measurement. None when no weight is recorded, or when the latest one was measured more
    than RECIPIENT_WEIGHT_VALID_DAYS before ``on_date``. ``patient`` must come from the
    caller's own site scoping (accounts.access); only that patient's intakes are read.
    Reads only; writes nothing.
    """
    intakes = {i.pk: i for i in Intake.objects.filter(episode__patient_id=patient.pk)}
    readings = [(_weight_measured_on(intake, intakes, seen=set()), intake.entered_at, pk,
                 intake.weight_kg) for pk, intake in intakes.items()
                if intake.weight_kg is not None]
    readings = [r for r in readings if r[0] <= on_date]
    if not readings:
        return None
    measured_on, _, _, weight_kg = max(readings)
    if (on_date - measured_on).days > RECIPIENT_WEIGHT_VALID_DAYS:
        return None
    return WeightReading(weight_kg, measured_on)


def _weight_measured_on(intake: Intake, intakes: dict[int, Intake], *, seen: set) -> dt.date:
    # Only the same patient's intakes (``intakes``) are followed: a source of another patient
    # would lend this one its date, and a cycle would never end.
    source_id = intake.carried_forward_from_id
    source = intakes.get(source_id) if source_id is not None else None
    seen.add(intake.pk)
    if source is None or source.pk in seen or not _weight_kept_from(intake, source):
        return intake.recorded_on
    return _weight_measured_on(source, intakes, seen=seen)


def _weight_kept_from(intake: Intake, source: Intake) -> bool:
    """Say whether ``intake`` still holds the weight ``source`` had when it was carried.

    Compared with the source as it stood then, not now: a source weighed again later must
    not make the copy look like a new measurement.
    """
    first = intake.history.order_by("history_date", "history_id").first()
    if first is None:  # saved without history (a raw import): the source as it is now
        return intake.weight_kg == source.weight_kg
    source_then = source.history.filter(history_date__lte=first.history_date).order_by(
        "-history_date", "-history_id").values_list("weight_kg", flat=True).first()
    return intake.weight_kg == first.weight_kg == source_then
