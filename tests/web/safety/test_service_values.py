"""The adverse-event report names exactly what the adverse-event form asks."""

from dataclasses import fields

from orthoregen.web.safety.forms import AdverseEventForm
from orthoregen.web.safety.services import AdverseEventReport


def test_the_report_names_every_field_of_the_form_in_its_order():
    assert [field.name for field in fields(AdverseEventReport)] == AdverseEventForm.Meta.fields
