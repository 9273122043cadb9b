"""Patient questionnaire forms built from an instrument definition and its text pack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from orthoregen.instruments import get_instrument
from orthoregen.instruments.definitions import format_code
from orthoregen.instruments.textpacks import TextPack
from orthoregen.web.followup.questionnaires import COMPLICATION_QUESTIONS, JOINT_QUESTIONS

REQUIRED = gettext_lazy("Please answer this question.")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# The generic single items (pain NRS and VAS, SANE, patient global assessment) ask about
# "the treated joint"; a patient with two joints cannot tell which one is meant.
TREATED_JOINT = "the treated joint"


def naming_the_joint(text: str, joint: str) -> str:
    """Return an item's text with "the treated joint" named: "your right knee"."""
    if not joint:
        return text
    return text.replace(TREATED_JOINT, gettext("your %(joint)s") % {"joint": joint})


class InstrumentForm(forms.Form):
    """One instrument's items: labelled codes as large radio buttons, scales as numbers."""

    def __init__(self, *args: Any, instrument_id: str, pack: TextPack, joint: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = get_instrument(instrument_id)
        for item in self.instrument.items:
            text = pack.item(item.id)
            question = naming_the_joint(text.text, joint)
            if item.scale is None:
                self.fields[item.id] = forms.TypedChoiceField(
                    label=question, choices=list(text.options), coerce=float,
                    widget=forms.RadioSelect, error_messages={"required": REQUIRED})
            else:
                anchors = " · ".join(f"{code} = {label}" for code, label in text.options)
                # Both take the scale's float bounds: their validators only compare.
                field_class: Callable[..., forms.Field] = (
                    forms.IntegerField if item.scale.whole_numbers else forms.FloatField)
                self.fields[item.id] = field_class(
                    label=question, min_value=item.scale.minimum,
                    max_value=item.scale.maximum, help_text=f"{anchors} ({item.scale.unit})",
                    error_messages={"required": REQUIRED},
                    widget=forms.NumberInput(attrs={
                        "inputmode": "numeric" if item.scale.whole_numbers else "decimal",
                        "step": "1" if item.scale.whole_numbers else "0.1"}))
            # Read by the template only, to lay a scale out apart from radio buttons.
            self.fields[item.id].scale = item.scale is not None  # type: ignore[attr-defined]

    def answers(self) -> dict[str, int | float]:
        """Return the validated answers as JSON numbers keyed by item id."""
        return {item_id: _number(value) for item_id, value in self.cleaned_data.items()}

    @staticmethod
    def initial_from(answers: dict) -> dict[str, str]:
        """Return form initial values from saved answers."""
        return {item_id: format_code(value) for item_id, value in answers.items()}


class ComplicationForm(forms.Form):
    """The complication questions of a link's follow-up visits, each naming its joint.

    `joints` lists (visit id, joint words, own) for each follow-up visit of the link, `own`
    for the link's own visit, whose questions keep their plain names. The questions about
    the patient as a whole (fever, hospital) are asked once and recorded for every joint.
    A link of baseline visits only has no such questions (nothing has been treated yet).
    """

    def __init__(self, *args: Any, joints: list[tuple[int, str, bool]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joints = joints if joints is not None else [(0, gettext("treated joint"), True)]
        if not self.joints:
            return
        for question_id, text in COMPLICATION_QUESTIONS:
            if question_id in JOINT_QUESTIONS:
                for visit_id, joint, own in self.joints:
                    self._add(question_id if own else f"{question_id}__{visit_id}",
                              str(text).format(joint=joint))
            else:
                self._add(question_id, str(text))

    def _add(self, name: str, label: str) -> None:
        self.fields[name] = forms.TypedChoiceField(
            label=label, choices=[("no", gettext("No")), ("yes", gettext("Yes"))],
            coerce=lambda value: value == "yes", widget=forms.RadioSelect,
            error_messages={"required": REQUIRED})
        self.fields[name].scale = False  # type: ignore[attr-defined]  # as above

    def answers(self) -> dict[int, dict[str, bool]]:
        """Return each follow-up visit's answers, keyed by visit id."""
        data = self.cleaned_data
        result = {}
        for visit_id, _, own in self.joints:
            result[visit_id] = {
                q: data[q if own or q not in JOINT_QUESTIONS else f"{q}__{visit_id}"]
                for q, _ in COMPLICATION_QUESTIONS}
        return result
