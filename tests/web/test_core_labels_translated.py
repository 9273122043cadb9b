"""The pure core's labels reach a page through the web's translation, never as the core's English.

The core (orthoregen.vocabulary) cannot import Django: it marks each label with its own
``gettext_noop`` (orthoregen.words), a function that returns its text and whose name
``makemessages`` already extracts, and the web translates the label where it builds its choices
(web/clinic/vocabulary.py). These tests make every translation visible by activating a
marker "catalogue" that wraps each translated message in ⟦ ⟧: a label that bypasses gettext
shows up without the brackets.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import inspect
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import trans_real

import orthoregen.vocabulary as core_vocabulary
from orthoregen.vocabulary import LabelledEnum
from orthoregen.web.clinic import vocabulary as web_vocabulary
from orthoregen.web.clinic.forms import JointEpisodeForm
from orthoregen.web.clinic.models import JointEpisode, Patient

CORE_ENUMS = [
    value for value in vars(core_vocabulary).values()
    if inspect.isclass(value) and issubclass(value, LabelledEnum) and value is not LabelledEnum
]


class Marked(gettext_module.NullTranslations):
    """A catalogue that "translates" every message into ⟦message⟧."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"

    def to_language(self) -> str:
        return "en-gb"

    def language(self) -> str:
        return "en-gb"


@pytest.fixture
def marked():
    """Activate the marker catalogue for the test, as translation.override does a language."""
    before = getattr(trans_real._active, "value", None)
    trans_real._active.value = Marked()
    try:
        yield
    finally:
        if before is None:
            translation.deactivate()
        else:
            trans_real._active.value = before


def test_the_core_has_labelled_enums():
    assert {e.__name__ for e in CORE_ENUMS} == {"Joint", "Side", "Sex", "GradeScale"}


def test_every_core_label_is_marked_for_the_catalogue():
    # makemessages reads the source, not the values: a label outside gettext_noop(...) is
    # never in the catalogue, whatever the web does with it.
    tree = ast.parse(Path(core_vocabulary.__file__).read_text(encoding="utf-8"))
    unmarked = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", "") == "LabelledEnum" for base in node.bases):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    label = statement.value.elts[-1]
                    marked = isinstance(label, ast.Call) and \
                        getattr(label.func, "id", "") == "gettext_noop"
                    if not marked:
                        unmarked.append(ast.unparse(statement.targets[0]))
    assert unmarked == []


@pytest.mark.parametrize("core", CORE_ENUMS, ids=lambda e: e.__name__)
def test_the_web_choices_of_a_core_enum_are_translated(core, marked):
    choices = getattr(web_vocabulary, core.__name__)
    for member in core:
        shown = str(choices(member.value).label)
        assert shown.startswith(f"⟦{member.label}⟧"), (core.__name__, shown)


def test_without_a_catalogue_the_english_is_unchanged():
    with translation.override("en-gb"):
        assert [str(m.label) for m in web_vocabulary.Joint] == ["Knee", "Hip", "Shoulder"]
        assert str(web_vocabulary.GradeScale("tonnis").label) == "Tönnis (0-3)"


def test_a_record_and_a_form_show_the_core_labels_translated(marked):
    episode = JointEpisode(joint="knee", side="left", grade_scale="kellgren_lawrence")
    assert episode.get_joint_display() == "⟦Knee⟧"
    assert episode.get_side_display() == "⟦Left⟧"
    assert str(episode) == "⟦Left⟧ ⟦knee⟧"  # clinic.vocabulary.label, the long tables' way
    assert str(episode.get_grade_scale_display()).startswith("⟦Kellgren-Lawrence⟧")
    assert Patient(sex="female").get_sex_display() == "⟦Female⟧"
    select = str(JointEpisodeForm(instance=episode)["joint"])
    assert ">⟦Shoulder⟧</option>" in select and ">Shoulder</option>" not in select
