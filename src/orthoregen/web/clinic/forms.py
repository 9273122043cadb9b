"""Staff forms for patients, joint episodes and encounters, with field-level errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role

# Every app's date and date-time field and widget (docs/printing.md#dates).
from orthoregen.web.clinic.dates import DateField as DateField
from orthoregen.web.clinic.dates import DateInput as DateInput
from orthoregen.web.clinic.datetimes import DateTimeField as DateTimeField
from orthoregen.web.clinic.datetimes import DateTimeInput as DateTimeInput
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import GRADE_HELP


def dated_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Give a ModelForm the shared date and date-time fields (Meta.formfield_callback)."""
    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", DateTimeInput)
        return db_field.formfield(form_class=DateTimeField, **kwargs)
    if isinstance(db_field, models.DateField):
        kwargs.setdefault("widget", DateInput)
        return db_field.formfield(form_class=DateField, **kwargs)
    return db_field.formfield(**kwargs)


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        formfield_callback = dated_formfield
        fields = ["site", "mrn", "family_name", "given_name", "date_of_birth", "sex",
                  "email", "phone", "address", "preferred_language"]
        widgets = {"date_of_birth": DateInput(), "address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = user.sites.all()
        model_choice_field(self, "site").queryset = sites
        if not self.instance.pk and len(sites) == 1:
            self.fields["site"].initial = sites[0]
        if self.instance.pk:
            # Moving a patient between clinics is a registry operation, not a form edit.
            self.fields["site"].disabled = True
        # Left out (a form posted before the field existed), the patient keeps their language.
        self.fields["preferred_language"].required = False

    def clean_preferred_language(self) -> str:
        return self.cleaned_data["preferred_language"] or self.instance.preferred_language

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        site: Site | None = cleaned.get("site")
        mrn = cleaned.get("mrn")
        if site and mrn:
            clash = Patient.objects.filter(site=site, mrn=mrn).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("mrn", _("Another patient at %(site)s already has MRN %(mrn)s.")
                               % {"site": site.name, "mrn": mrn})
        return cleaned

    def validate_unique(self) -> None:
        # clean() above reports a duplicate MRN on the MRN field itself, where staff look.
        pass


class JointEpisodeForm(forms.ModelForm):
    class Meta:
        model = JointEpisode
        formfield_callback = dated_formfield
        fields = ["joint", "side", "diagnosis_code", "grade_scale", "grade", "symptom_onset"]
        widgets = {"symptom_onset": DateInput()}
        help_texts = {
            "grade": GRADE_HELP,
        }


class EncounterForm(forms.ModelForm):
    class Meta:
        model = Encounter
        formfield_callback = dated_formfield
        fields = ["kind", "occurred_on", "clinician", "notes"]
        widgets = {"occurred_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "clinician").queryset = User.objects.filter(
            sites=site, role=Role.CLINICIAN, is_active=True
        ).order_by("last_name")


@overload
def date_not_in_future(day: dt.date, field_label: str | Promise) -> dt.date: ...
@overload
def date_not_in_future(day: None, field_label: str | Promise) -> None: ...
def date_not_in_future(day: dt.date | None, field_label: str | Promise) -> dt.date | None:
    """Return the day, or refuse one after today: nothing clinical is recorded in advance."""
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("%(field)s cannot be in the future.")
                                    % {"field": field_label})
    return day


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """Return a form's model choice field, refusing any other, so its queryset can be set.

    A form's fields are typed as plain Field; this names the kind a foreign key gets.
    """
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field.")
    return field
