"""Forms for adding a published study and its arms' results to the evidence library."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from orthoregen.web.evidence.models import AddedResult, AddedStudy
from orthoregen.web.parsing import parse_id

# No follow-up visit of the default protocol is later than 36 months; ten years is generous.
MAX_TIMEPOINT_MONTHS = 120


class AddedStudyForm(forms.ModelForm):
    class Meta:
        model = AddedStudy
        fields = ["study", "joint", "design", "design_class", "blinding", "n_randomised",
                  "cell_source", "product_class", "dose", "comparator", "comparator_class",
                  "outcome", "effect", "follow_up", "citation", "verification"]
        widgets = {"effect": forms.Textarea(attrs={"rows": 3})}

    def clean_citation(self) -> str:
        citation = self.cleaned_data["citation"].strip()
        if len(citation) < 10:
            raise forms.ValidationError(
                _("Give the full citation (journal, year, volume, pages or DOI) so that others "
                "can check the numbers."))
        return citation


class AddedResultForm(forms.ModelForm):
    """One arm's mean change from baseline; empty rows of the formset are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The rows are a table without <label>s: name each input for screen readers.
        row = (self.prefix or "").rsplit("-", 1)[-1]
        index = parse_id(row)
        number = f" {index + 1}" if index is not None else ""
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"Result{number}: {field.label}"

    class Meta:
        model = AddedResult
        fields = ["arm", "measure", "timepoint_months", "estimate", "ci_low", "ci_high", "n",
                  "note"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        estimate, low, high = (cleaned.get(k) for k in ("estimate", "ci_low", "ci_high"))
        months = cleaned.get("timepoint_months")
        if months is not None and not 1 <= months <= MAX_TIMEPOINT_MONTHS:
            self.add_error("timepoint_months",
                           _("Give the time point in months, from 1 to %(max)s.")
                           % {"max": MAX_TIMEPOINT_MONTHS})
        for name in ("estimate", "ci_low", "ci_high"):
            value = cleaned.get(name)
            if value is not None and not math.isfinite(value):
                self.add_error(name, _("Enter a finite number."))
        if (low is None) != (high is None):
            self.add_error("ci_high" if high is None else "ci_low",
                           _("Give both ends of the 95 % interval, or neither."))
        elif low is not None and estimate is not None and not low <= estimate <= high:
            self.add_error("ci_low", _("The interval must contain the estimate, lower end first "
                                       "(%(low)s ≤ %(estimate)s ≤ %(high)s does not hold).")
                           % {"low": f"{low:g}", "estimate": f"{estimate:g}", "high": f"{high:g}"})
        return cleaned


AddedResultFormSet = forms.inlineformset_factory(
    AddedStudy, AddedResult, form=AddedResultForm, extra=4, can_delete=False, max_num=20,
    validate_max=True)
