"""The staff form that makes an API token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from orthoregen.web.api.models import MAX_LIFETIME, SCOPE_CHOICES
from orthoregen.web.clinic.forms import DateField


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name",
                           help_text="What will use it, e.g. 'EHR bridge' or 'PROM programme'.")
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, label="Scopes",
        help_text="Read or write, area by area. The token never does more than your role "
                  "allows at your sites.")
    expires_on = DateField(label="Expires on",
                                 help_text=f"At most {MAX_LIFETIME.days} days from today.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=90)

    def clean_expires_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("Choose a day after today.")
        if day > today + MAX_LIFETIME - dt.timedelta(days=1):
            raise forms.ValidationError(f"A token lives at most {MAX_LIFETIME.days} days.")
        return day

    def expires_at(self) -> dt.datetime:
        """The end of the chosen day, in the server's time zone."""
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
