"""The bulk export: every resource validates, references resolve, codes match the instruments.

Sources of the expected codes: the instrument definitions (orthoregen.instruments, LOINC codes
from CMS66v10/CMS56v10, docs/standards.md#loinc) and docs/fhir.md#body-site (SNOMED CT).
"""

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from orthoregen.instruments import get_instrument
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Patient
from orthoregen.web.fhir import codes

from .conftest import export_folder, read_ndjson

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(cohort, tmp_path):
    return read_ndjson(export_folder(tmp_path))


def _references(value, found):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                found.append(inner)
            else:
                _references(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _references(inner, found)
    return found


def test_every_exported_resource_validates_with_its_r4b_model(exported):
    assert {"Patient", "Condition", "Encounter", "Consent", "BiologicallyDerivedProduct",
            "Procedure", "QuestionnaireResponse", "Observation", "Questionnaire"} <= set(exported)
    for name, resources in exported.items():
        model = get_fhir_model_class(name)
        for resource in resources:
            assert resource["resourceType"] == name
            model.model_validate(resource)


def test_the_export_holds_every_patient_once_and_ids_are_unique(exported, cohort):
    assert len(exported["Patient"]) == Patient.objects.filter(site=cohort).count() == 12
    for name, resources in exported.items():
        ids = [r["id"] for r in resources]
        assert len(ids) == len(set(ids)), name


def test_every_reference_resolves_inside_the_export(exported):
    present = {f"{name}/{r['id']}" for name, resources in exported.items() for r in resources}
    for resources in exported.values():
        for resource in resources:
            for reference in _references(resource, []):
                assert reference in present, f"{resource['resourceType']}/{resource['id']} " \
                                             f"-> {reference}"


def test_score_codes_match_the_instrument_definitions(exported):
    seen_loinc = 0
    for observation in exported["Observation"]:
        coding = observation["code"]["coding"]
        local = next(c for c in coding if c["system"] == codes.SCORE_SYSTEM)
        instrument_id, _, subscale_id = local["code"].partition(".")
        expected = get_instrument(instrument_id).subscale(subscale_id).loinc
        loinc = [c["code"] for c in coding if c["system"] == codes.LOINC]
        assert loinc == ([expected] if expected else [])
        seen_loinc += bool(loinc)
    assert seen_loinc, "the cohort should hold at least one LOINC-coded score"


def test_koos_pain_carries_the_cms66_loinc_code(scored_patient, tmp_path):
    observations = read_ndjson(export_folder(tmp_path))["Observation"]
    pain = next(o for o in observations if o["code"]["coding"][0]["code"] == "koos.pain")
    assert {"system": "http://loinc.org", "code": "72102-7"} in pain["code"]["coding"]
    # KOOS pain, every item answered 1 of 0-4: 100 - 1 * 100 / 4 = 75 (Roos 1998 scoring).
    assert pain["valueQuantity"]["value"] == pytest.approx(75.0)
    site = pain["bodySite"]
    assert site["coding"] == [{"system": "http://snomed.info/sct", "code": "49076000",
                               "display": "Knee joint structure"}]
    laterality = site["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert laterality["code"] == "7771000"  # left


def test_body_sites_and_laterality_use_the_confirmed_snomed_codes(exported):
    joint_codes = {"49076000", "24136001", "85537004"}
    for condition in exported["Condition"]:
        site = condition["bodySite"][0]
        assert site["coding"][0]["code"] in joint_codes
        side = site["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]
        assert side in {"24028007", "7771000"}
        assert (side == "24028007") == site["text"].startswith("right")


def test_products_carry_the_iccbba_identifier_systems(exported):
    for product in exported["BiologicallyDerivedProduct"]:
        systems = {i["system"] for i in product["identifier"]}
        assert "urn:oid:2.16.840.1.113883.6.18.2.6" in systems  # Product Code
    dins = [i for p in exported["BiologicallyDerivedProduct"] for i in p["identifier"]
            if i["system"] == "urn:oid:2.16.840.1.113883.6.18.2.1"]
    assert dins and all(len(i["value"]) == 13 for i in dins)  # ST-001: the DIN is 13 chars


def test_licensed_questionnaires_ship_no_wording(exported):
    koos = next(q for q in exported["Questionnaire"] if q["id"] == "koos")
    assert all("text" not in item for item in koos["item"])
    assert "withheld" in koos["description"]


def test_the_deidentified_export_names_no_one_and_holds_no_dates(cohort, tmp_path):
    folder = export_folder(tmp_path, deidentify=True)
    text = "\n".join(p.read_text() for p in folder.glob("*.ndjson"))
    for patient in Patient.objects.filter(site=cohort):
        assert patient.mrn not in text and patient.family_name not in text
        assert patient.date_of_birth.isoformat() not in text
    exported = read_ndjson(folder)
    for resources in exported.values():
        for resource in resources:
            assert "identifier" not in resource or resource["resourceType"] in (
                "BiologicallyDerivedProduct",)
    for name in ("Observation", "QuestionnaireResponse", "Encounter", "Procedure"):
        for resource in exported[name]:
            dumped = json.dumps(resource)
            assert "Date" not in dumped and "authored" not in dumped, dumped[:200]
    for resources in exported.values():
        for reference in _references(resources, []):
            assert reference in {f"{n}/{r['id']}" for n, rs in exported.items() for r in rs}


def test_pseudonyms_are_the_registry_method(cohort):
    import pandas as pd

    from orthoregen.web.fhir.resources import Context
    from orthoregen.web.registry.deidentify import Deidentifier

    deidentifier = Deidentifier.for_one_export()
    ours = Context(deidentifier=deidentifier).id("patient", 17)
    theirs = deidentifier.pseudonym("patient", pd.Series([17])).iloc[0]
    assert ours == theirs


def test_an_export_is_recorded_in_the_access_trail(cohort, tmp_path):
    export_folder(tmp_path, site=cohort.code)
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT,
                                       path="orthoregen fhir export").exists()


def test_an_export_of_an_unknown_site_is_refused(cohort, tmp_path, capsys):
    from orthoregen.cli import main

    assert main(["fhir", "export", "--out", str(tmp_path / "x"), "--site", "nowhere"]) == 2
    assert "no site" in capsys.readouterr().err
