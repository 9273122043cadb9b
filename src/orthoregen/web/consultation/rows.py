"""Repeating rows on one page: a formset per history table, read into typed row changes.

Each table (injections, surgery, medications, allergies, height and weight of the patient;
conservative care of one joint and the patient's laboratory results on a joint's intake
page) is a Django formset: one form per recorded row, each with "remove (entered in error)"
and a reason for a correction, and blank rows to add new ones. Without JavaScript, "Add
another row" posts the page back with one more blank row and saves nothing. A bad row gives
its own errors and nothing of the page is saved.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from orthoregen.web.consultation.forms import (
    AllergyForm,
    BodyMeasurementForm,
    ConservativeCareForm,
    ItemForm,
    LabResultForm,
    MedicationForm,
    PriorInjectionForm,
    PriorSurgeryForm,
)
from orthoregen.web.consultation.services import (
    HISTORY_ROWS,
    RowEdit,
    RowRemoval,
    TableChanges,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# "Add another row" adds one blank row to a table, up to MAX_ROWS in all.
MAX_ROWS = 60
REASON_NEEDED = _("Give the reason for this correction (it is kept in the record's history).")


class RowMixin(forms.Form):  # mixed before an ItemForm (row_form)
    """The fields every row carries besides its values."""

    row_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    remove = forms.BooleanField(label=_("Remove (entered in error)"), required=False)
    reason = forms.CharField(label=_("Reason for a correction"), required=False, max_length=500,
                             help_text=_("Needed when a recorded row is changed or removed."))

    def value_fields(self) -> list[str]:
        return [name for name in self.fields if name not in ("row_id", "remove", "reason")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}  # the item form's clean, mixed in (row_form)
        if not cleaned.get("row_id"):
            if cleaned.get("remove"):
                self.add_error("remove", _("Only a recorded row can be removed; leave a new "
                                           "row blank instead."))
            return cleaned
        touched = cleaned.get("remove") or any(
            name in self.changed_data for name in self.value_fields())
        if touched and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", REASON_NEEDED)
        return cleaned


def row_form(item_form: type[ItemForm]) -> type[forms.Form]:
    """Return the row form of a history table: its item form's fields and the row fields."""
    return type(f"{item_form.__name__}Row", (RowMixin, item_form), {})


@dataclass(frozen=True)
class Table:
    """One repeating table of a page: its URL-free key, heading and item form."""

    key: str
    heading: StrOrPromise
    one: StrOrPromise
    item_form: type[ItemForm]
    hint: StrOrPromise = ""
    extra: int = 2  # blank rows offered: enough for a usual history without adding rows


PATIENT_TABLES = (
    Table("injection", _("Injections into any joint"), _("Injection"), PriorInjectionForm,
          _("Every joint's injections: each joint's assessment reads them all."), extra=3),
    Table("surgery", _("Operations on any joint"), _("Operation"), PriorSurgeryForm),
    Table("medication", _("Medications"), _("Medication"), MedicationForm, extra=3),
    Table("allergy", _("Allergies"), _("Allergy"), AllergyForm),
    Table("body", _("Height and weight"), _("Measurement"), BodyMeasurementForm,
          _("Each measurement with its date: the latest height and weight give the BMI."),
          extra=1),
)
JOINT_TABLES = (
    Table("care", _("Conservative treatments of this joint tried without sufficient relief"),
          _("Treatment"), ConservativeCareForm, extra=3),
    # The patient's, shown and saved on each joint's intake page (every joint reads them).
    Table("lab", _("Laboratory results (the patient's: seen by every joint)"),
          _("Laboratory result"), LabResultForm, extra=4),
)


class RowFormSet(forms.BaseFormSet):
    table: Table

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.table = self.table  # type: ignore[attr-defined]  # read by the template


def table_formset(table: Table, records: list, data: QueryDict | None) -> RowFormSet:
    """Return the formset of ``table`` over its recorded ``records`` (current rows)."""
    form_class = row_form(table.item_form)
    factory = typing.cast(type[RowFormSet], forms.formset_factory(
        form_class, formset=RowFormSet, extra=table.extra, max_num=MAX_ROWS,
        validate_max=True))
    factory.table = table
    names = [name for name in form_class.base_fields
             if name not in ("row_id", "remove", "reason")]
    initial = [{"row_id": record.pk, **{name: getattr(record, name) for name in names}}
               for record in records]
    if data is not None and f"{table.key}-TOTAL_FORMS" not in data:
        data = None  # a submission without this table leaves its rows as they are
    return factory(data, initial=initial, prefix=table.key)


def tables_valid(formsets: list[RowFormSet]) -> bool:
    """Say whether every submitted table is valid (a table not submitted changes nothing)."""
    return all(formset.is_valid() for formset in formsets if formset.is_bound)


def tables_changes(formsets: list[RowFormSet]) -> dict[str, TableChanges]:
    """Return the changes of each submitted table, by its key."""
    return {formset.table.key: table_changes(formset) for formset in formsets
            if formset.is_bound}


def with_one_more_row(data: QueryDict, key: str) -> QueryDict:
    """Return posted ``data`` with one more blank row in table ``key`` (nothing is saved)."""
    more = data.copy()
    total = f"{key}-TOTAL_FORMS"
    count = str(more.get(total, ""))
    if count.isdigit():
        more[total] = str(min(int(count) + 1, MAX_ROWS))
    return more


def table_changes(formset: RowFormSet) -> TableChanges:
    """Read a valid formset into the rows to add, correct and remove."""
    model = formset.table.item_form._meta.model
    row_type = HISTORY_ROWS[model]
    names = [field.name for field in fields(row_type)]
    added, edited, removed = [], [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.cleaned_data
        row_id, reason = data.get("row_id"), (data.get("reason") or "").strip()
        if row_id and data.get("remove"):
            removed.append(RowRemoval(id=row_id, reason=reason))
            continue
        values = row_type(**{name: data[name] for name in names})
        if row_id:
            if any(name in form.changed_data for name in names):
                edited.append(RowEdit(id=row_id, row=values, reason=reason))
        else:
            added.append(values)
    return TableChanges(added=tuple(added), edited=tuple(edited), removed=tuple(removed))
