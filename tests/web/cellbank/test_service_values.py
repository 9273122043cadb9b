"""The cell lab's and procedure room's services name every value their forms ask for.

The views pass each cleaned value by name; a field added to a form and not to its service
(or the reverse) fails here rather than as a TypeError on the clinic floor.
"""

import inspect

import pytest
from django.utils import timezone

from orthoregen.web.cellbank import forms, services
from orthoregen.web.procedures import forms as procedure_forms
from orthoregen.web.procedures import services as procedures

# Keywords a service takes that no form field supplies: who acts, the site or the
# operator the view knows, and values a caller computes or a command passes.
NOT_FROM_THE_FORM = {"by", "site", "operator", "at", "location", "parent",
                     "concentration_per_ml", "second_factor"}


def keywords(service) -> set[str]:
    return {name for name, p in inspect.signature(service).parameters.items()
            if p.kind is p.KEYWORD_ONLY} - NOT_FROM_THE_FORM


def form_fields(form_class) -> set[str]:
    return set(form_class.base_fields)


@pytest.mark.parametrize(("service", "form_class"), [
    (services.donor_register, forms.DonorForm),
    (services.donor_test_record, forms.DonorTestForm),
    (services.donor_determine, forms.DeterminationForm),
    (services.harvest_record, forms.HarvestForm),
    (procedures.procedure_joint_update, procedure_forms.ProcedureJointForm),
], ids=lambda value: getattr(value, "__name__", ""))
def test_a_service_takes_exactly_its_forms_fields(service, form_class):
    assert keywords(service) == form_fields(form_class)


def test_unit_receive_takes_every_field_of_the_receive_form():
    # The form's identifier is the text scanned or typed; the service parses it.
    fields = form_fields(forms.UnitReceiveForm) - {"identifier"} | {"identifier_text"}
    assert keywords(services.unit_receive) == fields


def test_a_joint_update_writes_only_the_details_given(clinician_a, cleared_knee, patient_a):
    procedure = procedures.procedure_start(patient_a, [cleared_knee], by=clinician_a,
                                           performed_on=timezone.localdate(),
                                           time_out_completed=True)
    joint = procedure.joints.get()
    procedures.procedure_joint_update(joint, adjuncts="PRP", by=clinician_a)
    procedures.procedure_joint_update(joint, injectate_volume_ml=3.0, by=clinician_a)
    joint.refresh_from_db()
    assert (joint.adjuncts, joint.injectate_volume_ml) == ("PRP", 3.0)
    assert joint.history.first().history_user == clinician_a
