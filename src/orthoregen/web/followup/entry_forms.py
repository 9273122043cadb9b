"""The staff entry form: one field per item, in the instrument's order, keyboard first.

Codes are radio buttons (six or fewer) or a select (more), so Tab moves item to item and the
arrow keys or the code's first digit choose; measurements are number fields with the item's
range. Labels are the instrument's own wording only where the site may show it (its text
pack, with a licence for a proprietary instrument); otherwise the item number, the project's
short topic and the response codes, never licensed wording.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orthoregen.instruments.definitions import Item, format_code
from orthoregen.web.clinic.forms import DateField, date_not_in_future
from orthoregen.web.followup.entry import REASON_MAX, EntryInstrument

RADIO_AT_MOST = 6
PREFIX = "item_"


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _coerce(value: str) -> float:
    return float(value)


def _item_field(offered: EntryInstrument, item: Item, disabled: bool) -> forms.Field:
    text = offered.pack.item(item.id) if offered.pack is not None else None
    label = text.text if text is not None else f"{item.id} · {item.topic}"
    if item.scale is None:
        labels = dict(text.options) if text is not None else {}
        choices = [(format_code(code), f"{format_code(code)} · {labels[format_code(code)]}"
                    if format_code(code) in labels else format_code(code))
                   for code in item.options]
        widget: type[forms.Widget] = forms.RadioSelect
        if len(choices) > RADIO_AT_MOST:
            widget = forms.Select
            choices = [("", gettext("not answered")), *choices]
        return forms.TypedChoiceField(label=label, choices=choices, coerce=_coerce,
                                      required=False, empty_value=None, widget=widget,
                                      disabled=disabled)
    scale = item.scale
    low, high = format_code(scale.minimum), format_code(scale.maximum)
    words = {"topic": item.topic, "low": low, "high": high, "unit": scale.unit}
    plausible = _("%(topic)s: a plausible measurement is %(low)s to %(high)s %(unit)s") % words
    field_class: Callable[..., forms.Field] = (
        forms.IntegerField if scale.whole_numbers else forms.FloatField)
    anchors = ""
    if text is not None and text.options:
        anchors = " · ".join(f"{code} = {name}" for code, name in text.options) + " · "
    return field_class(
        label=label, required=False, min_value=scale.minimum, max_value=scale.maximum,
        disabled=disabled, help_text=f"{anchors}{low}–{high} {scale.unit}",
        error_messages={
            "min_value": _("%(plausible)s; below %(low)s is impossible.")
            % {"plausible": plausible, "low": low},
            "max_value": _("%(plausible)s; above %(high)s is not credible — check the reading "
                           "and the unit.") % {"plausible": plausible, "high": high},
            "invalid": _("%(topic)s: enter a number in %(unit)s.") % words},
        widget=forms.NumberInput(attrs={
            "inputmode": "numeric" if scale.whole_numbers else "decimal",
            "step": "1" if scale.whole_numbers else "0.1"}))


class EntryForm(forms.Form):
    """One instrument's items for staff entry; empty means not answered."""

    completed_on = DateField(label=_("Completed on"))
    mode = forms.ChoiceField(label=_("Mode of administration"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, offered: EntryInstrument, may_enter_clinician: bool,
                 correcting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = offered
        mode_field = self.fields["mode"]
        assert isinstance(mode_field, forms.ChoiceField)
        mode_field.choices = [(m.value, m.label) for m in offered.modes()]
        if len(offered.modes()) == 1:
            mode_field.initial = offered.modes()[0].value
        if correcting:
            del self.fields["completed_on"]
            del self.fields["mode"]
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"), max_length=REASON_MAX,
                widget=forms.TextInput(attrs={"size": 60}),
                help_text=_("Kept with the earlier version in the record's history."))
        for item in offered.instrument.items:
            disabled = item.id in offered.clinician_items and not may_enter_clinician
            field = _item_field(offered, item, disabled)
            field.item_id = item.id  # type: ignore[attr-defined]  # read by the template
            field.clinician = item.id in offered.clinician_items  # type: ignore[attr-defined]
            self.fields[PREFIX + item.id] = field
        # The first field a person types into gets the focus.
        first = next(iter(self.fields.values()))
        first.widget.attrs["autofocus"] = True

    def clean_completed_on(self) -> dt.date:
        return date_not_in_future(self.cleaned_data["completed_on"], _("The completion date"))

    def answers(self) -> dict[str, int | float | None]:
        """Return the item answers keyed by item id (None: not answered)."""
        return {name.removeprefix(PREFIX): _number(value)
                for name, value in self.cleaned_data.items() if name.startswith(PREFIX)}

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(PREFIX)]

    @staticmethod
    def initial_from(answers: dict[str, object]) -> dict[str, str]:
        """Return the form's initial values from stored answers."""
        return {PREFIX + item: format_code(float(value))  # type: ignore[arg-type]
                for item, value in answers.items() if value is not None}
