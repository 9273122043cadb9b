"""Start a joint's intake from the patient-level answers of the patient's other intake.

A patient treated for two joints has one medical history. The injection and surgery
histories of every joint, medications, allergies, comorbidities and smoking, height and
weight and laboratory results are recorded once on the patient (models.PatientHistory,
PatientConditions and their rows) and need no carrying: every joint's intake page shows and
saves them. What is still answered on each joint's intake and carried from the patient's
other one is whether the patient takes part in another clinical trial; imaging, the
examination, baseline pain, the plan and conservative care of the joint belong to the joint.

A new intake starts pre-filled with those answers of the patient's most recent intake of
another joint that the user may see (accounts.access.scope). Nothing is saved until the
clinician saves the form. Dates travel unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.web.accounts.access import scope
from orthoregen.web.clinic.forms import model_choice_field
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.forms import IntakeForm
from orthoregen.web.consultation.models import Intake

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest

PATIENT_FIELDS = ("other_trial_enrolled", "other_trial_last_product_on")
# Whether the patient has an infection or is pregnant is a hard stop about the day of the
# procedure that an answer given at another visit cannot settle: it starts "Not asked".
ASKED_AGAIN = ("active_infection", "pregnant_or_lactating")
JOINT_TABLES = ("conservative_care",)
SOURCE_FIELD = "carried_forward_from"


def intake_sources(episode: JointEpisode, user: User) -> QuerySet[Intake]:
    """Return the intakes of the patient's other joints that ``user`` may see, newest first."""
    others = Intake.objects.filter(episode__patient_id=episode.patient_id) \
        .exclude(episode_id=episode.pk)
    return scope(others, user).select_related("episode") \
        .order_by("-recorded_on", "-entered_at", "-pk")


class CarryForwardIntakeForm(IntakeForm):
    """A new intake pre-filled from ``source``'s patient-level answers."""

    class Meta(IntakeForm.Meta):
        fields = [*IntakeForm.Meta.fields, SOURCE_FIELD]
        widgets = {SOURCE_FIELD: forms.HiddenInput}

    def __init__(self, *args: Any, sources: QuerySet[Intake], source: Intake | None,
                 **kwargs: Any) -> None:
        self.source = source
        if source is not None:
            kwargs["initial"] = {**carried_values(source), SOURCE_FIELD: source.pk}
        super().__init__(*args, **kwargs)
        gone = gettext("The intake these answers were carried forward from is not available "
                       "to you. Nothing was saved: start the intake again.")
        field = model_choice_field(self, SOURCE_FIELD)
        field.queryset, field.required = sources, True
        field.error_messages.update(required=gone, invalid_choice=gone)

    @property
    def notice(self) -> str:
        source = self.source
        assert source is not None, "the page shows the notice only for a carried-forward intake"
        joint = str(source.episode).lower()
        return gettext("Patient-level answers carried forward from the %(joint)s intake of "
                       "%(day)s — review before saving.") % {
            "joint": joint, "day": date_format(source.recorded_on, "d M Y")}

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
    return CarryForwardIntakeForm(data, instance=intake, sources=sources, source=source)


@dataclass(frozen=True, kw_only=True)
class CarriedForward:
    """What a new intake takes from the patient's intake of another joint: its source."""

    source: Intake


def carried_forward(form: IntakeForm) -> CarriedForward | None:
    """Return what a valid intake form carries forward, or None for a plain intake form."""
    if not isinstance(form, CarryForwardIntakeForm):
        return None
    return CarriedForward(source=form.cleaned_data[SOURCE_FIELD])
