"""Start a joint's intake from the patient-level answers of the patient's other intake.

A patient treated for two joints has one medical history. The injection and surgery
histories of every joint, medications and allergies are recorded once on the patient
(models.PatientHistory and its rows) and need no carrying. Comorbidities, smoking, height
and weight and laboratory results are still answered on each joint's intake, so a new
intake starts from the patient's other one; imaging, the examination, baseline pain, the
plan and conservative care of the joint belong to the joint.

A new intake starts pre-filled with the patient-level answers of the patient's most recent
intake of another joint that the user may see (accounts.access.scope). Nothing is saved
until the clinician saves the form. Dates travel unchanged, so a laboratory result past
the protocol's validity stays past it and the engine asks for a new one, exactly as if it
had been typed by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from orthoregen.pathways import Protocol
from orthoregen.pathways.conditions import DiabetesControlled, LabAtMost, LabTest
from orthoregen.web.accounts.access import scope
from orthoregen.web.clinic.forms import model_choice_field
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.forms import IntakeForm
from orthoregen.web.consultation.models import Intake, LabResult
from orthoregen.web.consultation.protocols import protocol_current

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest

PATIENT_FIELDS = (
    "diabetes", "inflammatory_arthritis", "malignancy_status", "malignancy_last_active_on",
    "bleeding_disorder", "immunodeficiency", "childbearing_potential",
    "effective_contraception", "current_smoker", "height_cm",
    "weight_kg", "other_trial_enrolled", "other_trial_last_product_on",
)
# Whether the patient has an infection or is pregnant is a hard stop about the day of the
# procedure that an answer given at another visit cannot settle: it starts "Not asked".
ASKED_AGAIN = ("active_infection", "pregnant_or_lactating")
JOINT_FIELDS = (
    "conservative_care_reviewed",
    "radiograph_scale", "radiograph_grade", "radiograph_grader", "radiograph_graded_on",
    "mri_reviewed_on", "mri_cartilage_medial", "mri_cartilage_lateral",
    "mri_cartilage_patellofemoral", "mri_cartilage_joint", "mri_bone_marrow_lesions",
    "mri_meniscal_or_labral_tear", "mri_rotator_cuff", "mri_avascular_necrosis",
    "examined_on", "flexion_degrees", "extension_degrees", "abduction_degrees",
    "external_rotation_degrees", "alignment", "alignment_degrees", "effusion",
    "mechanical_symptoms", "pain_scale", "pain_value", "pain_recorded_on",
    "planned_product_source",
)
PATIENT_TABLES = ("labs",)
JOINT_TABLES = ("conservative_care",)
SOURCE_FIELD = "carried_forward_from"


def intake_sources(episode: JointEpisode, user: User) -> QuerySet[Intake]:
    """Return the intakes of the patient's other joints that ``user`` may see, newest first."""
    others = Intake.objects.filter(episode__patient_id=episode.patient_id) \
        .exclude(episode_id=episode.pk)
    return scope(others, user).select_related("episode") \
        .order_by("-recorded_on", "-entered_at", "-pk")


def lab_validity_days(protocol: Protocol, joint: str) -> dict[str, int]:
    """Return, per lab test, the shortest validity window of the rules applying to ``joint``.

    The same windows as the engine's (pathways.conditions.current_lab), read from the
    protocol so that a site's own thresholds are honoured.
    """
    windows: dict[str, int] = {}
    for rule in protocol.rules:
        if joint not in rule.joints:
            continue
        if isinstance(rule.check, LabAtMost):
            test, days = rule.check.test, rule.check.valid_for_days
        elif isinstance(rule.check, DiabetesControlled):
            test, days = LabTest.HBA1C_PERCENT, rule.check.hba1c_valid_for_days
        else:
            continue
        windows[test.value] = min(days, windows.get(test.value, days))
    return windows


def is_past_validity(lab: LabResult, validity: dict[str, int], on_date: dt.date) -> bool:
    """Say whether the engine will read ``lab`` as not collected on ``on_date``."""
    days = validity.get(lab.test)
    return days is not None and (on_date - lab.collected_on).days > days


class CarryForwardIntakeForm(IntakeForm):
    """A new intake pre-filled from ``source``; the rows to copy are chosen by the clinician."""

    carry_labs = forms.ModelMultipleChoiceField(
        LabResult.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Laboratory results to carry forward (with their collection dates)")

    class Meta(IntakeForm.Meta):
        fields = [*IntakeForm.Meta.fields, SOURCE_FIELD]
        widgets = {SOURCE_FIELD: forms.HiddenInput}

    def __init__(self, *args: Any, sources: QuerySet[Intake], source: Intake | None,
                 validity: dict[str, int], **kwargs: Any) -> None:
        self.source = source
        if source is not None:
            kwargs["initial"] = {**carried_values(source), SOURCE_FIELD: source.pk,
                                 "carry_labs": list(source.labs.current())}
        super().__init__(*args, **kwargs)
        gone = ("The intake these answers were carried forward from is not available to "
                "you. Nothing was saved: start the intake again.")
        field = model_choice_field(self, SOURCE_FIELD)
        field.queryset, field.required = sources, True
        field.error_messages.update(required=gone, invalid_choice=gone)
        labs = model_choice_field(self, "carry_labs")
        labs.queryset = source.labs.current() if source else LabResult.objects.none()
        today = timezone.localdate()
        self.stale_labs = [lab for lab in labs.queryset
                           if is_past_validity(lab, validity, today)]
        labs.label_from_instance = lambda lab: _lab_label(  # type: ignore[assignment]  # Django's documented hook
            lab, validity, today)

    @property
    def notice(self) -> str:
        source = self.source
        assert source is not None, "the page shows the notice only for a carried-forward intake"
        joint = str(source.episode).lower()
        return (f"Patient-level answers carried forward from the {joint} "
                f"intake of {source.recorded_on:%d %b %Y} — review before saving.")

    @property
    def carried_fields(self) -> set[str]:
        """Name the fields pre-filled with an answer (the template marks them)."""
        if self.source is None:
            return set()
        return {name for name in PATIENT_FIELDS
                if getattr(self.source, name) != _default(name)}


def _default(name: str) -> Any:
    field = Intake._meta.get_field(name)
    assert isinstance(field, models.Field), f"Intake.{name} is a field, not a relation"
    return field.get_default()


def carried_values(source: Intake) -> dict:
    return {name: getattr(source, name) for name in PATIENT_FIELDS}


def _lab_label(row: LabResult, validity: dict[str, int], today: dt.date) -> str:
    label = f"{row.get_test_display()} {row.value:g}, collected {row.collected_on:%d %b %Y}"
    if is_past_validity(row, validity, today):
        label += (f" — past the protocol's {validity[row.test]}-day validity: it counts as "
                  "not collected and the protocol will ask for a new result")
    return label


def intake_form(request: AuthenticatedHttpRequest, episode: JointEpisode,
                intake: Intake, *, data: Any = None) -> IntakeForm:
    """Return the intake form of this request: an edit, a blank start or a carried-forward one.

    A new intake is carried forward from the most recent visible intake of another joint,
    unless the clinician asked to start blank (``?blank=1``). A posted form names its source
    again, which is looked up among the visible ones, never trusted.
    """
    if not intake._state.adding:
        return IntakeForm(data, instance=intake)
    sources = intake_sources(episode, request.user)
    if data is not None:
        posted = data.get(SOURCE_FIELD)
        if posted is None:
            return IntakeForm(data, instance=intake)
        source = sources.filter(pk=posted).first() if posted.isdigit() else None
    else:
        source = None if request.GET.get("blank") else sources.first()
        if source is None:
            return IntakeForm(instance=intake)
    validity = lab_validity_days(protocol_current(episode.patient.site).protocol(),
                                 episode.joint)
    return CarryForwardIntakeForm(data, instance=intake, sources=sources, source=source,
                                  validity=validity)


@dataclass(frozen=True, kw_only=True)
class CarriedForward:
    """What a new intake takes from the patient's intake of another joint: the source, and
    the laboratory rows the clinician chose to copy."""

    source: Intake
    labs: tuple[LabResult, ...] = ()


def carried_forward(form: IntakeForm) -> CarriedForward | None:
    """Return what a valid intake form carries forward, or None for a plain intake form."""
    if not isinstance(form, CarryForwardIntakeForm):
        return None
    data = form.cleaned_data
    return CarriedForward(source=data[SOURCE_FIELD], labs=tuple(data["carry_labs"]))


def rows_carry(intake: Intake, *, carried: CarriedForward, by: User) -> None:
    """Copy the chosen laboratory rows into ``intake``, dates unchanged."""
    reason = f"carried forward from intake {carried.source.pk}"
    for kept in carried.labs:
        lab = LabResult(intake=intake, test=kept.test, value=kept.value,
                        collected_on=kept.collected_on, entered_by=by)
        lab._change_reason = reason  # type: ignore[attr-defined]  # read by simple-history
        lab.save()
