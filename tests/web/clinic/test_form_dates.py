"""Every date and date-time field of every staff form is the shared one (clinic/dates.py,
clinic/datetimes.py, docs/printing.md#dates): a text box in the pages' format that refuses
all-number dates. The walk imports every module of the web package and looks at every
form class defined there, so a new form with Django's own DateField fails here."""

import importlib
import pkgutil
import sys

from django import forms

import orthoregen.web
from orthoregen.web.clinic.dates import DateField, DateInput
from orthoregen.web.clinic.datetimes import DateTimeField, DateTimeInput

# Not forms of ours, or not importable in a test process: migrations are data, wsgi builds
# an application, settings are read by Django already.
SKIPPED = (".migrations", ".wsgi", ".settings")


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(orthoregen.web.__path__, "orthoregen.web."):
        if not any(part in module.name for part in SKIPPED):
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("orthoregen.web."):
            found.append(cls)
    return found


def _spare_fields() -> list[tuple[str, dict]]:
    """Fields kept in a module's dict and added to a form in its __init__ (the intake form's
    patient-level answers), which a form class's base_fields do not show."""
    found = []
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("orthoregen.web."):
            for name, value in vars(module).items():
                if isinstance(value, dict) and any(
                        isinstance(field, forms.Field) for field in value.values()):
                    found.append((f"{module.__name__}.{name}", value))
    return found


def _date_fields(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            yield name, field


def test_the_walk_finds_the_forms_of_several_apps():
    modules = {cls.__module__ for cls in _all_form_classes()}
    for app in ("clinic", "consultation", "cellbank", "procedures", "followup", "safety",
                "registry", "api"):
        assert any(module.startswith(f"orthoregen.web.{app}.") for module in modules), app


def test_every_date_field_of_every_form_is_the_shared_one():
    wrong, dated = [], 0
    for form_class in _all_form_classes():
        for name, field in _date_fields(form_class):
            dated += 1
            where = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
            if isinstance(field, forms.DateTimeField):
                if not (isinstance(field, DateTimeField)
                        and isinstance(field.widget, DateTimeInput)):
                    wrong.append(f"{where}: {type(field).__name__}/{type(field.widget).__name__}")
            elif not (isinstance(field, DateField) and isinstance(field.widget, DateInput)):
                wrong.append(f"{where}: {type(field).__name__}/{type(field.widget).__name__}")
    assert dated >= 20  # the walk reached the dated forms (intake, safety, cell lab…)
    spare = _spare_fields()
    assert any(where.endswith("PATIENT_FORM_FIELDS") for where, _ in spare)
    for where, fields in spare:
        for name, field in fields.items():
            if isinstance(field, forms.DateField) and not (
                    isinstance(field, DateField) and isinstance(field.widget, DateInput)):
                wrong.append(f"{where}[{name}]: {type(field).__name__}")
    assert wrong == []
