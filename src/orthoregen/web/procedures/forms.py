"""Procedure-room forms: the session, each joint's injection record, the bedside check."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from orthoregen.web.cellbank.models import ProcedureJoint
from orthoregen.web.clinic.forms import DateInput
from orthoregen.web.clinic.vocabulary import Joint, Side


class ProcedureStartForm(forms.Form):
    episodes = forms.MultipleChoiceField(label="Joints treated in this session",
                                         widget=forms.CheckboxSelectMultiple, choices=[])
    performed_on = forms.DateField(label="Date", widget=DateInput())
    time_out_completed = forms.BooleanField(
        label="Time-out completed (patient, procedure, joint and side, consent, product)",
        required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episodes"].choices = [(e.pk, str(e)) for e in patient.episodes.all()]
        self.fields["performed_on"].initial = timezone.localdate()


class ProcedureJointForm(forms.ModelForm):
    class Meta:
        model = ProcedureJoint
        fields = ["indication", "guidance", "approach", "needle_gauge", "aspirate_volume_ml",
                  "injectate_volume_ml", "adjuncts", "complications"]
        widgets = {"complications": forms.Textarea(attrs={"rows": 2})}


class BedsideCheckForm(forms.Form):
    scanned_identifier = forms.CharField(label="Scan or type the unit identifier", max_length=60)
    name = forms.CharField(label="Patient name (as on the wristband)", required=False,
                           max_length=200)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput())
    mrn = forms.CharField(label="MRN", required=False, max_length=32)
    joint = forms.ChoiceField(label="Joint", choices=[("", "—"), *Joint.choices])
    side = forms.ChoiceField(label="Side", choices=[("", "—"), *Side.choices])
