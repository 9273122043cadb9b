"""Cell lab forms, with field-level errors."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from orthoregen.products.isbt128 import IdentifierError, parse_unit_identifier
from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.products.product_code import ProductCodeError
from orthoregen.products.scan import split_scan
from orthoregen.web.cellbank.models import Donor, DonorTest, Harvest
from orthoregen.web.cellbank.services.donors import STEPS
from orthoregen.web.cellbank.services.units import qc_value_problem
from orthoregen.web.cellbank.vocabulary import (
    OUTCOME_TESTS,
    EligibilityChoices,
    ProductClassChoices,
    QcOutcomeChoice,
    QcTest,
)
from orthoregen.web.clinic.datetimes import DateTimeField
from orthoregen.web.clinic.forms import DateInput, dated_formfield
from orthoregen.web.clinic.models import Patient
from orthoregen.web.clinic.vocabulary import Joint, Side


def _datetime(label: str, **kwargs: Any) -> forms.DateTimeField:
    # A text box in the pages' format and the site's time zone (clinic/datetimes.py).
    return DateTimeField(label=label, **kwargs)


class UnitIdentifierField(forms.CharField):
    """A typed or scanned unit identifier, with or without its Product Code; a wrong check
    character is a field error."""

    def clean(self, value):
        value = super().clean(value)
        try:
            parse_unit_identifier(split_scan(value).identifier_text)
        except (IdentifierError, ProductCodeError) as error:
            raise forms.ValidationError(str(error)) from None
        return value


class UnitReceiveForm(forms.Form):
    identifier = UnitIdentifierField(
        label=_("Unit identifier"), max_length=60,
        help_text=_("Scan the DIN bar code, or type the 13-character DIN and its boxed check "
                  "character; local identifiers as LOC-…-K."))
    product_class = forms.ChoiceField(label=_("Product"), choices=ProductClassChoices)
    product_code_text = forms.CharField(
        label=_("ISBT 128 Product Code"), max_length=10, required=False,
        help_text=_("Scan or type the 8 characters (e.g. S12954A0), or scan it with the DIN; "
                  "left blank, the product's placeholder code is used."))
    donor = forms.ModelChoiceField(label=_("Donor (allogeneic)"), queryset=Donor.objects.none(),
                                   required=False)
    harvest = forms.ModelChoiceField(label=_("Harvest (autologous)"),
                                     queryset=Harvest.objects.none(), required=False)
    collected_at = _datetime("Collected")
    expires_at = _datetime("Expires")
    storage = forms.CharField(label=_("Storage"), max_length=100)
    is_cryopreserved = forms.BooleanField(label=_("Cryopreserved"), required=False)
    max_post_thaw_hold_minutes = forms.IntegerField(
        label=_("Validated post-thaw hold (min)"), required=False, min_value=1)
    processing_site = forms.CharField(label=_("Processing site"), max_length=100, required=False)
    processing_operator = forms.CharField(label=_("Processing operator"), max_length=100,
                                          required=False)
    sop_version = forms.CharField(label=_("SOP version"), max_length=40, required=False)
    passage = forms.IntegerField(label=_("Passage"), required=False, min_value=0, max_value=50)
    cell_count = forms.FloatField(label=_("Total cells"), required=False, min_value=0)
    viability_pct = forms.FloatField(label=_("Viability (%)"), required=False, min_value=0,
                                     max_value=100)
    volume_ml = forms.FloatField(label=_("Volume (mL)"), required=False, min_value=0)

    def __init__(self, *args: Any, donors: Any, harvests: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["donor"]).queryset = donors
        cast(forms.ModelChoiceField, self.fields["harvest"]).queryset = harvests

    def clean(self):
        cleaned = super().clean() or {}
        donor, harvest = cleaned.get("donor"), cleaned.get("harvest")
        if cleaned.get("product_class"):
            info = PRODUCT_CLASSES[ProductClass(cleaned["product_class"])]
            if info.needs_donor_eligibility and not donor:
                self.add_error("donor", _("%(product)s is allogeneic: choose its donor.")
                               % {"product": info.label})
            if not info.needs_donor_eligibility and not harvest:
                self.add_error("harvest", _("%(product)s is autologous: choose the harvest.")
                               % {"product": info.label})
        if donor and harvest:
            self.add_error("harvest", _("A unit comes from a donor or a harvest, not both."))
        start, end = cleaned.get("collected_at"), cleaned.get("expires_at")
        if start and end and end <= start:
            self.add_error("expires_at", _("Expiry must be after collection."))
        if cleaned.get("is_cryopreserved") and not cleaned.get("max_post_thaw_hold_minutes"):
            self.add_error("max_post_thaw_hold_minutes",
                           _("A cryopreserved unit needs its validated post-thaw hold time."))
        return cleaned


class QcForm(forms.Form):
    test = forms.ChoiceField(label=_("Test"), choices=QcTest.choices)
    value = forms.FloatField(label=_("Value"), required=False, min_value=0)
    outcome = forms.ChoiceField(label=_("Result (cultures, Gram stain)"), required=False,
                                choices=[("", "—"), *QcOutcomeChoice.choices])
    method = forms.CharField(label=_("Method"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean() or {}
        test = cleaned.get("test")
        # The service checks the same before storing (services.units.qc_value_problem).
        if test and (problem := qc_value_problem(test, value=cleaned.get("value"),
                                                 outcome=cleaned.get("outcome") or "")):
            self.add_error("outcome" if test in OUTCOME_TESTS else "value", problem)
        return cleaned


def _signing_password() -> forms.CharField:
    # Never re-shown after a refusal: the signer types it again (21 CFR 11.200(a)(1)).
    return forms.CharField(
        label=_("Your password, to sign"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your electronic signature: you sign as the person signed in."))


class ReleaseForm(forms.Form):
    conditional = forms.BooleanField(label=_("Release pending sterility (conditional)"),
                                     required=False)
    reason = forms.CharField(label=_("Reason it cannot wait for sterility"), required=False,
                             max_length=300)
    password = _signing_password()

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("conditional") and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("A conditional release needs its reason."))
        return cleaned


class SignForm(forms.Form):
    """A signature with nothing else to fill in: second-person release, QC verification."""

    password = _signing_password()


class IssueForm(forms.Form):
    patient_mrn = forms.CharField(label=_("Patient MRN"), max_length=32)
    joint = forms.ChoiceField(label=_("Joint"), choices=[("", "—"), *Joint.choices])
    side = forms.ChoiceField(label=_("Side"), choices=[("", "—"), *Side.choices])


class ConfirmForm(forms.Form):
    """An action with nothing to fill in; errors from the service show as non-field errors."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class SplitForm(forms.Form):
    volumes = forms.CharField(label=_("Volumes of the new units (mL)"), max_length=200,
                              help_text=_("Separated by commas, e.g. 3, 3, 3."))

    def clean_volumes(self):
        try:
            volumes = [float(v) for v in self.cleaned_data["volumes"].split(",") if v.strip()]
        except ValueError:
            raise forms.ValidationError(_("Give numbers separated by commas.")) from None
        if len(volumes) < 2 or any(v <= 0 for v in volumes):
            raise forms.ValidationError(_("Give at least two positive volumes."))
        return volumes


class DonorForm(forms.ModelForm):
    class Meta:
        model = Donor
        formfield_callback = dated_formfield
        fields = ["code", "donor_type", "recovered_on", "tested_person", "consent_version",
                  "screening_questionnaire_version"]
        widgets = {"recovered_on": DateInput()}


class DonorTestForm(forms.ModelForm):
    class Meta:
        model = DonorTest
        formfield_callback = dated_formfield
        fields = ["analyte", "assay", "kit_lot", "lab", "specimen_id", "specimen_date",
                  "result", "interpretation"]
        widgets = {"specimen_date": DateInput()}


class DeterminationForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=list(STEPS.items()))
    outcome = forms.ChoiceField(label=_("Outcome (determination or risk assessment)"),
                                required=False, choices=[("", "—"), *EligibilityChoices])
    reason = forms.CharField(label=_("Reason / new information"), required=False, max_length=300)
    password = _signing_password()


class HarvestForm(forms.ModelForm):
    harvested_at = _datetime("Harvested")

    class Meta:
        model = Harvest
        fields = ["episode", "source", "body_site", "side", "volume_ml", "harvested_at"]

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["episode"]).queryset = patient.episodes.all()


class InvestigationCloseForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the investigation found about the product, and what was done for the "
                  "patients under review."))


class QcPanelForm(forms.Form):
    """The release panel of one unit: per test, a value or an outcome, and the method.

    A test left blank is not recorded now; the specification judges it missing until it is.
    """

    def __init__(self, *args, tests, latest, **kwargs):
        super().__init__(*args, **kwargs)
        self.tests, self.latest = tests, latest
        for test in tests:
            previous = latest.get(test.test)
            if test.takes_outcome:
                self.fields[f"{test.test}-outcome"] = forms.ChoiceField(
                    label=test.label, required=False,
                    choices=[("", "—"), *QcOutcomeChoice.choices])
            else:
                self.fields[f"{test.test}-value"] = forms.FloatField(
                    label=test.label, required=False, min_value=0,
                    max_value=None if test.measured_in == "EU/mL" else 100)
            self.fields[f"{test.test}-method"] = forms.CharField(
                label=_("%(test)s method") % {"test": test.label}, required=False, max_length=100,
                initial=previous.method if previous else "")

    def rows(self):
        """Return each test with its result and method fields and its latest result."""
        for test in self.tests:
            yield (test, self[self.field_of(test.test)], self[f"{test.test}-method"],
                   self.latest.get(test.test))

    def field_of(self, test: str) -> str:
        return f"{test}-outcome" if f"{test}-outcome" in self.fields else f"{test}-value"

    def clean(self):
        cleaned = super().clean() or {}
        if not self.entered() and not self.errors:
            raise forms.ValidationError(_("Enter at least one result of the panel."))
        return cleaned

    def entered(self) -> list[dict]:
        """Return the results filled in, as keyword values of a PanelResult."""
        data = getattr(self, "cleaned_data", {})
        entered = []
        for test in self.tests:
            value, outcome = data.get(f"{test.test}-value"), data.get(f"{test.test}-outcome")
            if value is None and not outcome:
                continue
            entered.append({"test": test.test, "value": value, "outcome": outcome or "",
                            "method": data.get(f"{test.test}-method", "")})
        return entered
