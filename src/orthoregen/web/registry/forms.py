"""The dashboard's filters and the export request, limited to the user's own sites."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.web.clinic.forms import DateField
from orthoregen.web.clinic.vocabulary import Joint
from orthoregen.web.followup.models import ResponseSource
from orthoregen.web.registry.export import FORMATS
from orthoregen.web.registry.measures import measure_choices
from orthoregen.web.registry.services import DOSE_BANDS

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

ANY = [("", "Any")]


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """Return a form's choice field, refusing any other, so its choices can be set.

    A form's fields are typed as plain Field (as clinic.forms.model_choice_field says).
    """
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field.")
    return field


def _site_choices(user: User) -> list[tuple[str, str]]:
    sites = [(str(s.pk), f"{s.name} ({s.code})") for s in user.sites.all()]
    return ([("", "All my sites")] if len(sites) > 1 else []) + sites


class SiteScopedForm(forms.Form):
    """A form whose ``site`` choice field offers only the user's own sites.

    Each subclass declares ``site`` itself, where it stands among its fields.
    """

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choice_field(self, "site").choices = _site_choices(user)

    def site_ids(self) -> tuple[int, ...]:
        """Return the chosen site, or all the user's sites."""
        chosen = self.cleaned_data.get("site")
        if chosen:
            return (int(chosen),)
        return tuple(self.user.sites.values_list("pk", flat=True))


class CohortFilterForm(SiteScopedForm):
    """Filters of the cohort dashboard. Every field is optional: empty means any."""

    site = forms.ChoiceField(required=False)
    joint = forms.ChoiceField(choices=ANY + Joint.choices, required=False)
    grade = forms.TypedChoiceField(choices=ANY + [(str(g), str(g)) for g in range(5)],
                                   coerce=int, empty_value=None, required=False,
                                   label=_("Radiographic grade"))
    cell_source = forms.ChoiceField(required=False, label=_("Cell source"))
    dose_band = forms.ChoiceField(choices=ANY + [(b, b) for b in DOSE_BANDS], required=False,
                                  label=_("Dose (cells)"))
    treated_from = DateField(required=False,
                                   label=_("First injection from"))
    treated_to = DateField(required=False, label=_("First injection to"))
    protocol_version = forms.ChoiceField(required=False, label=_("Protocol version"))
    measure = forms.ChoiceField(required=False, label=_("Outcome measure"),
                                help_text=_("Empty: the joint's pain score."))
    mode = forms.ChoiceField(
        choices=[("", _("Any")), *ResponseSource.choices], required=False,
        label=_("Mode of administration"),
        help_text=_("Only scores collected this way count (both ends of a paired change)."))

    def __init__(self, *args: Any, user: User, cell_sources: Iterable[str] = (),
                 protocol_versions: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        choice_field(self, "cell_source").choices = ANY + [
            (c, PRODUCT_CLASSES[ProductClass(c)].label if c in set(ProductClass) else c)
            for c in cell_sources]
        choice_field(self, "protocol_version").choices = ANY + [(v, v) for v in protocol_versions]
        choice_field(self, "measure").choices = [("", "Pain (default)")] + measure_choices()

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None, "Form.clean() returns cleaned_data"
        start, end = cleaned.get("treated_from"), cleaned.get("treated_to")
        if start and end and start > end:
            self.add_error("treated_to", _("The end of the period is before its start."))
        return cleaned


class ExportForm(SiteScopedForm):
    """What to export: format, de-identification and an optional site and joint."""

    format = forms.ChoiceField(choices=[(f, f.upper() if f == "csv" else "Parquet")
                                        for f in FORMATS])
    deidentified = forms.BooleanField(
        required=False, initial=True, label=_("De-identified for pooling"),
        help_text=_("Pseudonyms instead of record ids, no dates, ages over 89 as 90+."))
    site = forms.ChoiceField(required=False)
    joint = forms.ChoiceField(choices=ANY + Joint.choices, required=False)
