"""Procedure-room forms: the session, each joint's injection record, the bedside check."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orthoregen.products.episode import Joint
from orthoregen.products.procedure_record import (
    APPROACHES,
    DEFAULT_GUIDANCE,
    IMAGE_GUIDED,
    GuidancePolicy,
)
from orthoregen.products.procedure_record import Approach as CoreApproach
from orthoregen.products.procedure_record import Guidance as CoreGuidance
from orthoregen.web.cellbank.models import ProcedureJoint
from orthoregen.web.cellbank.vocabulary import Approach, Guidance
from orthoregen.web.clinic.forms import DateField
from orthoregen.web.clinic.models import Patient
from orthoregen.web.clinic.vocabulary import Joint as JointChoice
from orthoregen.web.clinic.vocabulary import Side


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class ProcedureStartForm(forms.Form):
    episodes = forms.MultipleChoiceField(label=_("Joints treated in this session"),
                                         widget=forms.CheckboxSelectMultiple, choices=[])
    performed_on = DateField(label=_("Date"))
    time_out_completed = forms.BooleanField(
        label=_("Time-out completed (patient, procedure, joint and side, consent, product)"),
        required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "episodes").choices = [(e.pk, str(e)) for e in patient.episodes.all()]
        self.fields["performed_on"].initial = timezone.localdate()


class ProcedureJointForm(forms.ModelForm):
    """One joint's injection record, offering only that joint's guidance and approaches.

    The service checks the record against products.procedure_record whatever the form
    offers; the form only keeps choices that would be refused off the page.
    """

    class Meta:
        model = ProcedureJoint
        fields = ["indication", "guidance", "landmark_reason", "approach", "image_reference",
                  "needle_gauge", "aspirate_volume_ml", "injectate_volume_ml", "adjuncts",
                  "complications"]
        widgets = {"complications": forms.Textarea(attrs={"rows": 2})}
        labels = {"image_reference": _("Stored image (Study Instance UID or image id)")}
        help_texts = {"image_reference": _("Required under ultrasound or fluoroscopy: the DICOM "
                                         "Study Instance UID, or the id of the image stored "
                                         "here.")}

    def __init__(self, *args: Any, joint: str, policy: GuidancePolicy = DEFAULT_GUIDANCE,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = policy.allowed[Joint(joint)]
        _choice_field(self, "guidance").choices = [
            (value, label) for value, label in Guidance.choices if CoreGuidance(value) in allowed]
        _choice_field(self, "approach").choices = [("", "—")] + [
            (value, label) for value, label in Approach.choices
            if APPROACHES[CoreApproach(value)].joint == joint]
        if CoreGuidance.LANDMARK not in allowed:
            del self.fields["landmark_reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        guided = cleaned.get("guidance") in IMAGE_GUIDED
        if guided and not (cleaned.get("image_reference") or "").strip():
            self.add_error("image_reference", _("Give the stored image of the guided injection."))
        return cleaned


class BedsideCheckForm(forms.Form):
    scanned_identifier = forms.CharField(label=_("Scan or type the unit identifier"), max_length=60)
    name = forms.CharField(label=_("Patient name (as on the wristband)"), required=False,
                           max_length=200)
    date_of_birth = DateField(label=_("Date of birth"), required=False)
    mrn = forms.CharField(label=_("MRN"), required=False, max_length=32)
    joint = forms.ChoiceField(label=_("Joint"), choices=[("", "—"), *JointChoice.choices])
    side = forms.ChoiceField(label=_("Side"), choices=[("", "—"), *Side.choices])
