"""Staff forms of the consultation: intake, history rows, decision, consent, protocols."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orthoregen.pathways import (
    CONSENT_ELEMENTS,
    ProtocolError,
    Severity,
    protocol_from_dict,
    with_severity,
    with_threshold,
)
from orthoregen.web.clinic.forms import DateField, DateInput, dated_formfield, model_choice_field
from orthoregen.web.clinic.vocabulary import GRADE_HELP
from orthoregen.web.consultation.governance_forms import JsonDocumentField
from orthoregen.web.consultation.models import (
    Allergy,
    BodyMeasurement,
    ConsentRecord,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PatientConditions,
    PriorInjection,
    PriorSurgery,
    ProtocolVersion,
)
from orthoregen.web.consultation.models.vocabulary import DecisionKind


class YesNoUnknown(forms.NullBooleanSelect):
    """A yes/no question whose blank answer means "not asked" (the engine then asks for it)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not asked"), ("true", "Yes"), ("false", "No")]


if TYPE_CHECKING:
    from orthoregen.web.consultation.models import ConsentDocument

    # The mixin below is only ever mixed into a form; this tells mypy so.
    _FormMixin = forms.BaseForm
else:
    _FormMixin = object


class NoFutureDates(_FormMixin):
    """Refuse dates after today on every date field: history cannot be in the future."""

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None, "Form.clean() returns cleaned_data"
        today = timezone.localdate()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(field, forms.DateField) and value and value > today:
                self.add_error(name, _("This date is in the future."))
        return cleaned


# The patient's answers asked on each joint's intake page but recorded once for the patient
# (models.PatientConditions, models.BodyMeasurement): every joint's assessment reads them.
CONDITION_FIELDS = ("diabetes", "inflammatory_arthritis", "malignancy_status",
                    "malignancy_last_active_on", "bleeding_disorder", "immunodeficiency",
                    "childbearing_potential", "effective_contraception", "current_smoker")
BODY_FIELDS = ("height_cm", "weight_kg")
CONDITIONS_REASON = "conditions_reason"

INTAKE_SECTIONS = [
    ("Intake", ["recorded_on"]),
    ("Comorbidities (the patient's: seen by every joint)", [
        "diabetes", "inflammatory_arthritis", "malignancy_status", "malignancy_last_active_on",
        "bleeding_disorder", "immunodeficiency", "active_infection", "pregnant_or_lactating",
        "childbearing_potential", "effective_contraception", "current_smoker",
        CONDITIONS_REASON]),
    ("Histories taken", ["conservative_care_reviewed"]),
    ("Radiograph", ["radiograph_scale", "radiograph_grade", "radiograph_grader",
                    "radiograph_graded_on"]),
    ("MRI review", ["mri_reviewed_on", "mri_cartilage_medial", "mri_cartilage_lateral",
                    "mri_cartilage_patellofemoral", "mri_cartilage_joint",
                    "mri_bone_marrow_lesions", "mri_meniscal_or_labral_tear", "mri_rotator_cuff",
                    "mri_avascular_necrosis"]),
    ("Examination", ["examined_on", "flexion_degrees", "extension_degrees", "abduction_degrees",
                     "external_rotation_degrees", "alignment", "alignment_degrees", "effusion",
                     "mechanical_symptoms"]),
    ("Height and weight (the patient's) and baseline pain", [
        "height_cm", "weight_kg", "pain_scale", "pain_value", "pain_recorded_on"]),
    ("Trials and plan", ["other_trial_enrolled", "other_trial_last_product_on",
                         "planned_product_source"]),
]


def _patient_fields(model: type[Model], names: tuple[str, ...]) -> dict[str, forms.Field]:
    """Return the model's form fields, with its validators (a ModelForm of another model
    would not run them: e.g. a height under 100 cm is refused here, not by the service)."""
    found = forms.fields_for_model(model, fields=names, formfield_callback=dated_formfield)
    for name, field in found.items():
        column = model._meta.get_field(name)
        if field is None or not isinstance(column, models.Field):
            raise TypeError(f"{model.__name__}.{name} is not an editable column")
        field.validators = [*field.validators, *column.validators]
    return {name: field for name, field in found.items() if field is not None}


PATIENT_FORM_FIELDS = {
    **_patient_fields(PatientConditions, CONDITION_FIELDS),
    **_patient_fields(BodyMeasurement, BODY_FIELDS),
    CONDITIONS_REASON: forms.CharField(
        label=_("Reason for changing a recorded comorbidity"), required=False, max_length=500,
        help_text=_("Needed when an answer already recorded for the patient is changed; the "
                  "earlier answer is kept in the patient's history.")),
    "conditions_seen_at": forms.CharField(required=False, widget=forms.HiddenInput),
}


def intake_saved_at(intake: Intake | None) -> str:
    """Name the stored state an intake form is opened on: the intake's last save, "" if new."""
    return intake.entered_at.isoformat() if intake is not None and intake.pk else ""


def conditions_saved_at(conditions: PatientConditions | None) -> str:
    """Name the stored state of the patient's comorbidities: their last save, "" if none."""
    return conditions.entered_at.isoformat() if conditions is not None else ""


def conditions_changed(stored: PatientConditions | None, answers: dict[str, Any]) -> list[str]:
    """Name the recorded comorbidity answers that ``answers`` change (filling in a question
    left "not asked" is not a change: it needs no reason)."""
    if stored is None:
        return []
    return [name for name in CONDITION_FIELDS
            if getattr(stored, name) not in (None, "") and name in answers
            and answers[name] != getattr(stored, name)]


class IntakeForm(NoFutureDates, forms.ModelForm):
    # The state the clinician started from travels with the form, so that a save made by
    # someone else meanwhile (another tab, a colleague) refuses this one instead of being
    # overwritten by it or colliding with it (services.intake_save).
    seen_saved_at = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Intake
        formfield_callback = dated_formfield
        fields = [name for _, names in INTAKE_SECTIONS for name in names
                  if name not in PATIENT_FORM_FIELDS]
        help_texts = {
            "radiograph_grade": GRADE_HELP,
            "injections_reviewed": _("Tick once asked, even if there were none."),
            "alignment_degrees": _("Mechanical axis deviation from neutral, as a positive number."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_saved_at"].initial = intake_saved_at(self.instance)
        self._add_patient_fields()
        for field in self.fields.values():
            if isinstance(field, forms.NullBooleanField):
                field.widget = YesNoUnknown()

    def _add_patient_fields(self) -> None:
        """Add the patient's own answers, shown as currently recorded for the patient."""
        from orthoregen.web.consultation.body import body_on  # it imports the models

        patient_id = self.instance.episode.patient_id
        self.conditions = PatientConditions.objects.filter(patient_id=patient_id).first()
        body = body_on(patient_id, timezone.localdate())
        for name, field in PATIENT_FORM_FIELDS.items():
            self.fields[name] = copy.deepcopy(field)
        for name in CONDITION_FIELDS:
            self.initial[name] = getattr(self.conditions, name) if self.conditions else None
        self.initial.update(height_cm=body.height_cm, weight_kg=body.weight_kg,
                            conditions_seen_at=conditions_saved_at(self.conditions))

    def clean(self):
        cleaned = super().clean()
        if conditions_changed(self.conditions, cleaned) \
                and not (cleaned.get(CONDITIONS_REASON) or "").strip():
            self.add_error(CONDITIONS_REASON, conditions_reason_message(
                conditions_changed(self.conditions, cleaned)))
        if cleaned.get("malignancy_status") == "in_remission" \
                and not cleaned.get("malignancy_last_active_on"):
            self.add_error("malignancy_last_active_on",
                           _("Give the date the cancer was last active."))
        return cleaned

    def sections(self):
        """Yield (legend, bound fields) for the template, one fieldset per intake section."""
        return [(legend, [self[name] for name in names]) for legend, names in INTAKE_SECTIONS]


def conditions_reason_message(changed: list[str]) -> str:
    """Say why a change of the patient's recorded comorbidities needs a reason."""
    names = ", ".join(str(PATIENT_FORM_FIELDS[name].label).lower() for name in changed)
    return (f"Give the reason for changing the patient's recorded answer ({names}); the "
            "earlier answer is kept in the patient's history.")


class ItemForm(NoFutureDates, forms.ModelForm):
    """A patient-level fact; each subclass's Meta gives its dates the shared field."""


class PriorInjectionForm(ItemForm):
    class Meta:
        model = PriorInjection
        formfield_callback = dated_formfield
        fields = ["agent", "joint", "side", "given_on"]


class PriorSurgeryForm(ItemForm):
    class Meta:
        model = PriorSurgery
        formfield_callback = dated_formfield
        fields = ["kind", "joint", "side", "performed_on"]


class ConservativeCareForm(ItemForm):
    class Meta:
        model = ConservativeCare
        formfield_callback = dated_formfield
        fields = ["treatment", "last_tried_on"]


class MedicationForm(ItemForm):
    class Meta:
        model = Medication
        formfield_callback = dated_formfield
        fields = ["kind", "name", "current", "last_dose_on"]
        help_texts = {"last_dose_on": _("Needed for NSAIDs: their washout counts from it.")}


class AllergyForm(ItemForm):
    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity"]


class BodyMeasurementForm(ItemForm):
    class Meta:
        model = BodyMeasurement
        formfield_callback = dated_formfield
        fields = ["measured_on", "height_cm", "weight_kg"]


class PatientHistoryForm(forms.Form):
    """Which of the patient's histories were taken; an empty table then reads as "none"."""

    injections_reviewed = forms.BooleanField(
        label=_("Injection history taken (every joint)"), required=False,
        help_text=_("Tick once asked, even if there were none."))
    surgeries_reviewed = forms.BooleanField(label=_("Surgical history taken (every joint)"),
                                            required=False)
    medications_reviewed = forms.BooleanField(label=_("Medication list taken"), required=False)
    allergies_reviewed = forms.BooleanField(
        label=_("Allergies asked"), required=False,
        help_text=_("Ticked with no allergy listed: no known allergies."))
    seen_saved_at = forms.CharField(required=False, widget=forms.HiddenInput)


class LabResultForm(ItemForm):
    class Meta:
        model = LabResult
        formfield_callback = dated_formfield
        fields = ["test", "value", "collected_on"]


class DecisionForm(forms.Form):
    """The clinician's decision on the computed result.

    ``rules_needing_reason`` names the rules of the current result that need a written
    reason to proceed: with any of them, agreeing needs a reason too (the service refuses
    it otherwise, services.DecisionNeedsReason), and the form says so before it is posted.
    """

    kind = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices,
                             widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required to override or decline."))
    seen_outcome = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, rules_needing_reason: list[str] | None = None,
                 proceeding: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules_needing_reason = list(rules_needing_reason or [])
        self.agree_needs_reason = proceeding and bool(self.rules_needing_reason)
        if self.agree_needs_reason:
            rules = ", ".join(self.rules_needing_reason)
            self.fields["reason"].help_text = _(
                "Required for every decision here: %(rules)s need a written reason to proceed."
            ) % {"rules": rules}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None, "Form.clean() returns cleaned_data"
        if self.agree_needs_reason and cleaned.get("kind") == DecisionKind.AGREE \
                and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", agree_reason_message(self.rules_needing_reason))
        return cleaned


def agree_reason_message(rules: list[str]) -> str:
    """Say why agreeing needs a reason (the form and the service say the same)."""
    return (f"Agreeing with this result needs a written reason: {', '.join(rules)} "
            "need a reason to proceed.")


class ConsentForm(NoFutureDates, forms.ModelForm):
    elements_confirmed = forms.MultipleChoiceField(
        label=_("Discussed and understood"), widget=forms.CheckboxSelectMultiple,
        choices=[(item.element.value, item.label) for item in CONSENT_ELEMENTS],
        help_text=_("Every element must be discussed before consent is recorded."))

    class Meta:
        model = ConsentRecord
        formfield_callback = dated_formfield
        fields = ["document", "consented_on", "consenting_as", "consenting_person",
                  "elements_confirmed"]
        widgets = {"consented_on": DateInput()}

    def __init__(self, *args: Any, documents: QuerySet[ConsentDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "document").queryset = documents
        self.fields["document"].label = _("Consent document (version)")
        if len(documents) == 1:
            self.fields["document"].initial = documents[0].pk

    def clean_elements_confirmed(self):
        chosen = set(self.cleaned_data["elements_confirmed"])
        absent = [item.label for item in CONSENT_ELEMENTS if item.element.value not in chosen]
        if absent:
            raise forms.ValidationError(["Not yet confirmed: " + label for label in absent])
        return sorted(chosen)


class WithdrawalForm(NoFutureDates, forms.Form):
    withdrawn_on = DateField(label=_("Date of withdrawal"))
    reason = forms.CharField(label=_("Reason (as the patient gave it)"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ProtocolCopyForm(forms.Form):
    version = forms.CharField(label=_("New version"), max_length=30,
                              help_text=_("For example 2026.2-riverside."))

    def __init__(self, *args: Any, source: ProtocolVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        if ProtocolVersion.objects.filter(name=self.source.name, version=version).exists():
            raise forms.ValidationError(_("%(name)s %(version)s already exists.")
                                        % {"name": self.source.name, "version": version})
        return version


class ProtocolEditForm(forms.Form):
    """Edit a draft's rules as JSON; every error names the rule, as at protocol load."""

    body = JsonDocumentField(label=_("Protocol (JSON)"))

    def __init__(self, *args: Any, stored: ProtocolVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored = stored
        if not self.is_bound:
            self.initial["body"] = stored.body

    def clean_body(self):
        if self.stored.is_published:
            raise forms.ValidationError(_("%(protocol)s is published and cannot change; "
                                          "copy it as a new draft.") % {"protocol": self.stored})
        data = self.cleaned_data["body"]
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The protocol must be a JSON object."))
        data = {**data, "name": self.stored.name, "version": self.stored.version,
                "status": "draft"}
        try:
            protocol_from_dict(data)
        except ProtocolError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class RuleEditForm(forms.Form):
    """Change one rule of a draft: its severity and each parameter of its check.

    The new values go through pathways.with_threshold, so they are type-checked exactly as
    when a protocol is loaded, and an error names the rule.
    """

    severity = forms.ChoiceField(choices=[(s.value, s.value.replace("_", " ")) for s in Severity])

    def __init__(self, *args: Any, stored: ProtocolVersion, rule_id: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored, self.rule_id = stored, rule_id
        rule = next(item for item in stored.body["rules"] if item["id"] == rule_id)
        self.initial["severity"] = rule["severity"]
        self.parameters = [key for key in rule["check"] if key != "kind"]
        for key in self.parameters:
            self.fields[key] = _parameter_field(key, rule["check"][key])

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None, "Form.clean() returns cleaned_data"
        if self.errors:
            return cleaned
        if self.stored.is_published:
            raise forms.ValidationError(_("%(protocol)s is published and cannot change.")
                                        % {"protocol": self.stored})
        params = {key: _parameter_value(self.fields[key], cleaned[key])
                  for key in self.parameters}
        try:
            protocol = with_threshold(self.stored.protocol(), self.rule_id, **params)
            cleaned["protocol"] = with_severity(protocol, self.rule_id, cleaned["severity"])
        except (ProtocolError, ValueError) as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


def _parameter_field(key: str, value: Any) -> forms.Field:
    label = key.replace("_", " ")
    if isinstance(value, bool):
        return forms.BooleanField(label=label, required=False, initial=value)
    if isinstance(value, int):
        return forms.IntegerField(label=label, initial=value)
    if isinstance(value, float):
        return forms.FloatField(label=label, initial=value)
    if isinstance(value, list):
        field = forms.CharField(label=label, initial=", ".join(map(str, value)),
                                help_text=_("Comma-separated."))
        field.is_list = True  # type: ignore[attr-defined]  # read by _parameter_value
        return field
    return forms.CharField(label=label, initial=value)


def _parameter_value(field: forms.Field, value: Any) -> Any:
    if getattr(field, "is_list", False):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value
