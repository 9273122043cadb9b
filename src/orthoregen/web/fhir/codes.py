"""The code systems, identifier systems and codes the FHIR resources use (sources: docs/fhir.md).

Every SNOMED CT and LOINC code here is one confirmed in docs/standards.md or docs/fhir.md;
scores without a confirmed LOINC code carry only the local score code.
"""

from __future__ import annotations

import re

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"

# ICCBBA identifiers as HL7 registered them (docs/fhir.md#biologicallyderivedproduct): the
# Donation Identification Number (HL7 v2 PRT-21/DEV-15: "ICCBBA DINs:
# 2.16.840.1.113883.6.18.2.1") and the Product Code (HL7 OO MPHO profile, productCode system
# urn:oid:2.16.840.1.113883.6.18.2.6); the ISBT 128 code system itself is ...6.18.
ISBT128_DIN = "urn:oid:2.16.840.1.113883.6.18.2.1"
ISBT128_PRODUCT_CODE = "urn:oid:2.16.840.1.113883.6.18.2.6"

# orthoregen's own systems, for what no standard system names.
BASE = "https://orthoregen.org/fhir"
SCORE_SYSTEM = f"{BASE}/CodeSystem/score"
AE_TERM_SYSTEM = f"{BASE}/CodeSystem/adverse-event-term"
PROCEDURE_SYSTEM = f"{BASE}/CodeSystem/procedure"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire"
EXT_LATERALITY = f"{BASE}/StructureDefinition/laterality"
EXT_EPISODE = f"{BASE}/StructureDefinition/joint-episode"
EXT_TIMEPOINT = f"{BASE}/StructureDefinition/timepoint"
EXT_INSTRUMENT_VERSION = f"{BASE}/StructureDefinition/instrument-version"
EXT_ADMINISTERED_PRODUCT = f"{BASE}/StructureDefinition/administered-product"
EXT_DAYS_FROM_TREATMENT = f"{BASE}/StructureDefinition/days-from-treatment"
EXT_AGE_AT_TREATMENT = f"{BASE}/StructureDefinition/age-at-treatment"
EXT_CTCAE_GRADE = f"{BASE}/StructureDefinition/ctcae-grade"
EXT_GRADE = f"{BASE}/StructureDefinition/radiographic-grade"
ENCOUNTER_KIND_SYSTEM = f"{BASE}/CodeSystem/encounter-kind"
EXT_CONSENTING_AS = f"{BASE}/StructureDefinition/consenting-as"
# What an adverse event's reporting clock needs beyond FHIR R4 AdverseEvent's own elements
# (products.ae_clock: ICH E2A criteria, relatedness, expectedness, action), so that an
# imported event keeps its report due dates (docs/fhir.md#import).
EXT_SERIOUSNESS_CRITERION = f"{BASE}/StructureDefinition/ich-e2a-criterion"
EXT_PROCEDURE_RELATEDNESS = f"{BASE}/StructureDefinition/procedure-relatedness"
EXT_PRODUCT_RELATEDNESS = f"{BASE}/StructureDefinition/product-relatedness"
EXT_ACTION_TAKEN = f"{BASE}/StructureDefinition/action-taken"
EXT_EXPECTED = f"{BASE}/StructureDefinition/expected"
EXT_COMMUNICABLE = f"{BASE}/StructureDefinition/involves-communicable-disease"
EXT_INTERVENTION = f"{BASE}/StructureDefinition/needed-intervention"
EXT_RESOLVED_ON = f"{BASE}/StructureDefinition/resolved-on"


def mrn_system(site_code: str) -> str:
    """The identifier system of a site's medical record numbers."""
    return f"{BASE}/sid/mrn/{site_code}"


def record_system(kind: str) -> str:
    """The identifier system of orthoregen's own record numbers of a kind."""
    return f"{BASE}/sid/{kind}"


RESPONSE_KEY_SYSTEM = record_system("questionnaire-response")

# docs/standards.md#snomed-ct (DICOM PS3.16) and docs/fhir.md#body-site (the shoulder).
JOINT_SITE = {
    "knee": ("49076000", "Knee joint structure"),
    "hip": ("24136001", "Hip joint structure"),
    "shoulder": ("85537004", "Glenohumeral joint structure"),
}
LATERALITY = {"right": ("24028007", "Right"), "left": ("7771000", "Left")}
# Osteoarthritis of the joint (docs/standards.md#snomed-ct); none confirmed for the shoulder.
JOINT_OSTEOARTHRITIS = {"knee": ("239873007", "Osteoarthritis of knee"),
                        "hip": ("239872002", "Osteoarthritis of hip")}

_NOT_ID = re.compile(r"[^A-Za-z0-9\-.]")


def fhir_id(text: str) -> str:
    """Return text as a FHIR id ([A-Za-z0-9-.]{1,64}): other characters become '-'."""
    return _NOT_ID.sub("-", text)[:64]
