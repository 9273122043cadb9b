"""Staff forms for adverse events and conversions to joint replacement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orthoregen.products.ae_clock import InjectionEventTerm
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.clinic.forms import (
    DateField,
    DateInput,
    date_not_in_future,
    dated_formfield,
    model_choice_field,
)
from orthoregen.web.clinic.models import Patient
from orthoregen.web.safety.models import SERIOUSNESS_CHOICES, AdverseEvent


class AdverseEventForm(forms.ModelForm):
    seriousness = forms.MultipleChoiceField(
        label=_("Seriousness criteria (ICH E2A)"), choices=SERIOUSNESS_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every criterion met; none ticked means not serious. Seriousness is not "
                  "severity: a grade 3 event may be non-serious."))

    class Meta:
        model = AdverseEvent
        formfield_callback = dated_formfield
        fields = ["episode", "procedure_reference", "term", "term_other", "onset_on", "aware_on",
                  "ctcae_grade", "seriousness", "expected", "involves_communicable_disease",
                  "needed_intervention", "procedure_relatedness", "product_relatedness",
                  "action", "outcome", "resolved_on", "description", "responsible_clinician"]
        widgets = {"onset_on": DateInput(), "aware_on": DateInput(), "resolved_on": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 3})}
        labels = {"episode": _("Treated joint"), "procedure_reference": _("Procedure reference"),
                  "expected": _("Expected (listed in the information given to the patient)")}

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "episode").queryset = patient.episodes.all()
        model_choice_field(self, "responsible_clinician").queryset = User.objects.filter(
            sites=patient.site, role=Role.CLINICIAN, is_active=True).order_by("last_name")
        self.fields["responsible_clinician"].required = True
        if not self.is_bound:
            self.initial.setdefault("aware_on", timezone.localdate())

    def clean_onset_on(self) -> dt.date | None:
        return date_not_in_future(self.cleaned_data.get("onset_on"), _("Onset"))

    def clean_aware_on(self) -> dt.date | None:
        return date_not_in_future(self.cleaned_data.get("aware_on"), _("The awareness date"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        if cleaned.get("term") == InjectionEventTerm.OTHER and not cleaned.get("term_other"):
            self.add_error("term_other", _("Describe the event when the term is Other."))
        onset, aware, resolved = (cleaned.get(k) for k in ("onset_on", "aware_on", "resolved_on"))
        if onset and aware and aware < onset:
            self.add_error("aware_on", _("The clinic cannot become aware before the onset."))
        if onset and resolved and resolved < onset:
            self.add_error("resolved_on", _("Resolution cannot be before the onset."))
        if cleaned.get("outcome") == "recovered" and not resolved:
            self.add_error("resolved_on", _("Give the resolution date of a recovered event."))
        if cleaned.get("ctcae_grade") == 5 and "death" not in cleaned.get("seriousness", []):
            self.add_error("seriousness", _("A grade 5 event (death) meets the 'results in death' "
                                          "criterion."))
        return cleaned


class OutcomeEventForm(forms.Form):
    occurred_on = DateField(label=_("Date of joint replacement"))
    note = forms.CharField(max_length=300, required=False, label=_("Note (hospital, implant)"))

    def clean_occurred_on(self) -> dt.date:
        return date_not_in_future(self.cleaned_data["occurred_on"], _("The date"))
