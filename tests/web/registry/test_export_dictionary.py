"""Words, not codes, in what a person opens from a page: the registry export's data
dictionary (registry/dictionary.py) and the ICHOM report's header row (tests/web/registry/
test_ichom.py checks that one). docs/printing.md#words-in-exports says which and why."""

import csv
import io

import pytest
from django.urls import reverse

from orthoregen.web.registry.deidentify import DEIDENTIFIED_COLUMNS
from orthoregen.web.registry.dictionary import dictionary_csv
from orthoregen.web.registry.export import ANALYSIS_COLUMNS


def _read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(("deidentified", "columns"), [
    (False, ANALYSIS_COLUMNS), (True, DEIDENTIFIED_COLUMNS)])
def test_every_export_column_is_named_in_words_with_its_unit(deidentified, columns):
    rows = _read(dictionary_csv(deidentified=deidentified))
    assert [row["column"] for row in rows] == columns  # the export's own order
    for row in rows:
        # Words: a sentence, not the column's own name again.
        assert " " in row["meaning"] and row["meaning"] != row["column"], row
        assert row["unit"] and row["values"], row


def test_units_and_codes_a_reader_needs():
    rows = {row["column"]: row for row in _read(dictionary_csv(deidentified=True))}
    assert rows["days_from_treatment"]["unit"] == "days"
    assert "negative" in rows["days_from_treatment"]["values"]
    assert rows["dose_cells"]["unit"] == "cells (count)"
    assert rows["age_group"]["values"] == "a whole number, or 90+"  # Safe Harbor grouping
    assert "knee = Knee" in rows["joint"]["values"]
    assert "kellgren_lawrence = Kellgren-Lawrence" in rows["grade_scale"]["values"]
    assert "paper = Paper form" in rows["mode"]["values"]
    assert "baseline = before treatment" in rows["timepoint"]["values"]
    assert "month_12 = 12 months after the first injection" in rows["timepoint"]["values"]


@pytest.mark.django_db
def test_the_export_page_offers_the_dictionary_beside_the_export(as_user, analyst_a):
    client = as_user(analyst_a)
    page = client.get(reverse("registry:export")).content.decode()
    assert reverse("registry:export-dictionary") in page
    response = client.get(reverse("registry:export-dictionary"), {"deidentified": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="orthoregen-registry-de-identified-dictionary.csv"' \
        in response["Content-Disposition"]
    rows = _read(response.content.decode())
    assert rows[0]["column"] == "patient"
    assert rows[0]["meaning"] == "Patient pseudonym, valid within this one export only"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["clinician_a", "lab_a"])
def test_only_those_who_may_export_get_it(request, as_user, role):
    client = as_user(request.getfixturevalue(role))
    assert client.get(reverse("registry:export-dictionary")).status_code == 403
