"""Forms of the imaging pages: a reader's measure, and an upload of MR images."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from orthoregen.web.accounts.models import Site
from orthoregen.web.imaging.grading import ALLOWED, REGIONS_OF_JOINT, Measure, Region


class MeasureForm(forms.Form):
    region = forms.ChoiceField()
    measure = forms.ChoiceField(choices=Measure.choices)
    value = forms.DecimalField(max_digits=8, decimal_places=2,
                               help_text=_("mm, mm³ or the grade, as the measure says"))
    reason = forms.CharField(max_length=300, required=False,
                             help_text=_("required to correct a value already recorded"))

    def __init__(self, *args: Any, joint: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = REGIONS_OF_JOINT.get(joint, frozenset())
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            (r.value, r.label) for r in Region if r in regions]
        cast(forms.ChoiceField, self.fields["measure"]).choices = [
            (m.value, m.label) for m in Measure if ALLOWED[m].regions & regions]

    def clean_value(self) -> Decimal:
        value: Decimal = self.cleaned_data["value"]
        if not value.is_finite():
            raise forms.ValidationError(_("Enter a number."))
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's recipe for several files in one field (forms.FileField docs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    site: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Site.objects.none(), empty_label=None,
        help_text=_("the clinic the patient belongs to"))
    images = MultipleFileField(label=_("DICOM files or one zip"),
                              help_text=_("MR images (.dcm) of one or more studies, or a zip "
                                        "of them; the patient is found by Patient ID and "
                                        "study date"))

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites
        if sites.count() == 1:
            self.fields["site"].initial = sites.first()
