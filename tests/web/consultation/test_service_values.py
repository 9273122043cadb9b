"""The consultation's services take values; each value names exactly what its form asks."""

from dataclasses import fields

import pytest

from orthoregen.web.consultation import services
from orthoregen.web.consultation.forms import IntakeForm, PatientHistoryForm
from orthoregen.web.consultation.rows import JOINT_TABLES, PATIENT_TABLES


def names(value_class) -> list[str]:
    return [field.name for field in fields(value_class)]


def test_intake_answers_name_every_question_of_the_intake_form_in_its_order():
    # seen_saved_at is the form's record of the state it opened on, not an answer.
    assert names(services.IntakeAnswers) == IntakeForm.Meta.fields


@pytest.mark.parametrize("table", [*PATIENT_TABLES, *JOINT_TABLES], ids=lambda t: t.key)
def test_each_history_row_names_the_fields_of_its_form(table):
    form_class = table.item_form
    row = services.HISTORY_ROWS[form_class._meta.model]
    assert names(row) == form_class._meta.fields


def test_histories_taken_name_every_question_of_the_patient_history_form():
    asked = [name for name in PatientHistoryForm.base_fields if name != "seen_saved_at"]
    assert names(services.HistoriesTaken) == asked
