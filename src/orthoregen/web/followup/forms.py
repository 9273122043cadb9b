"""Staff forms for follow-up, with field-level errors."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from orthoregen.web.clinic.forms import DateField, date_not_in_future
from orthoregen.web.followup.messages import PLACEHOLDERS
from orthoregen.web.followup.models import MessageTemplate


class ScheduleStartForm(forms.Form):
    administered_on = DateField(label=_("Administration date"))

    def clean_administered_on(self) -> dt.date:
        return date_not_in_future(self.cleaned_data["administered_on"],
                                  _("The administration date"))


class WithdrawalForm(forms.Form):
    withdrawn_on = DateField(label=_("Withdrawn on"))
    reason = forms.CharField(max_length=300, required=False)

    def clean_withdrawn_on(self) -> dt.date:
        return date_not_in_future(self.cleaned_data["withdrawn_on"], _("The date"))


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"body": format_lazy(
            _("Placeholders: {placeholders}. $link is required."),
            placeholders=", ".join(f"${p}" for p in PLACEHOLDERS))}

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if "$link" not in body and "${link}" not in body:
            raise forms.ValidationError(_("The message must contain $link, the patient's link."))
        return body
