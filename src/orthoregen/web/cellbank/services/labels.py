"""A stored unit's label: every element of products.labels, from the unit, its site and source.

docs/cell-products.md#label-elements: the facility's name, address and FIN come from the Site
(admin-editable); an autologous unit names its recipient, the patient it was harvested from;
an allogeneic unit carries the statements of its donor's stored eligibility finding
(Biohazard legend, warnings, reactive tests). The core refuses an incomplete label
(`labels.LabelRefused`), and the label page shows its problems instead.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from orthoregen.products.donor_testing import (
    Donation,
    EligibilityFinding,
    EligibilityOutcome,
    FindingReason,
    LabelStatement,
    ReasonKind,
    Season,
    SpecimenWindow,
)
from orthoregen.products.dose import CellDose, cell_dose
from orthoregen.products.label_layout import layout_label
from orthoregen.products.labels import (
    Facility,
    IntendedUse,
    LabelContent,
    Recipient,
    warnings_from_finding,
)
from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.products.product_code import ProductCode, ProductCodeError
from orthoregen.web.cellbank.models import Donor, ProductUnit
from orthoregen.web.cellbank.services.core import identifier_of


def label_content(unit: ProductUnit) -> LabelContent:
    """Return what the unit's label carries; `label_problems` of it says what is missing."""
    site = unit.site
    info = PRODUCT_CLASSES[ProductClass(unit.product_class)]
    warnings, reactive = _donor_statements(unit.donor) if unit.donor else ((), ())
    return LabelContent(
        identifier=identifier_of(unit),
        product=info.label,
        expires_at=unit.expires_at, facility_zone=ZoneInfo(site.time_zone),
        storage=unit.storage,
        facility=Facility(site.name, site.address, site.facility_identification_number),
        volume_ml=unit.volume_ml or 0.0,
        intended_use=IntendedUse.AUTOLOGOUS if unit.is_autologous else IntendedUse.ALLOGENEIC,
        product_code=_product_code(unit.product_code),
        cell_dose=_cells(unit), recipient=_recipient(unit),
        warnings=warnings, reactive_tests=reactive)


def label_checked(unit: ProductUnit) -> LabelContent:
    """Return the label content after laying it out once, so a refusal comes before output."""
    content = label_content(unit)
    layout_label(content)  # raises LabelRefused with every problem
    return content


def _product_code(text: str) -> ProductCode | None:
    try:
        return ProductCode.parse(text)
    except ProductCodeError:
        return None  # stored before the field existed; the core names the missing code


def _cells(unit: ProductUnit) -> CellDose | None:
    if unit.concentration_per_ml is None or not unit.volume_ml:
        return None
    return cell_dose(unit.concentration_per_ml, unit.volume_ml,
                     viability_percent=unit.viability_pct)


def _recipient(unit: ProductUnit) -> Recipient | None:
    # 21 CFR 1271.90(c); ST-004: an autologous unit names the person its cells came from.
    if unit.harvest is None:
        return None
    patient = unit.harvest.patient
    return Recipient(name=f"{patient.family_name.upper()}, {patient.given_name}",
                     identifier=f"MRN {patient.mrn}", date_of_birth=patient.date_of_birth)


def _donor_statements(donor: Donor) -> tuple[tuple[LabelStatement, ...], tuple[str, ...]]:
    finding = finding_of(donor.eligibility_finding)
    return ((), ()) if finding is None else warnings_from_finding(finding)


def finding_of(record: dict) -> EligibilityFinding | None:
    """Return the eligibility finding stored by donor_determine (`as_record`), if any."""
    if not record:
        return None
    donated = record["donation"]
    first, last = donated["wnv_season"]
    donation = Donation(
        origin=donated["origin"], recovered_on=date.fromisoformat(donated["recovered_on"]),
        is_leukocyte_rich=donated["is_leukocyte_rich"],
        specimen_window=SpecimenWindow(donated["specimen_days_before"],
                                       donated["specimen_days_after"]),
        wnv_season=Season(tuple(first), tuple(last)))
    reasons = tuple(FindingReason(r["test"], ReasonKind(r["kind"]), r["message"])
                    for r in record["reasons"])
    return EligibilityFinding(
        outcome=EligibilityOutcome(record["outcome"]), reasons=reasons,
        labels=tuple(LabelStatement(label) for label in record["labels"]), donation=donation,
        panel=tuple(record["panel"]), panel_version=record["panel_version"])
