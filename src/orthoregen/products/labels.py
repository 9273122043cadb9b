"""What the label of a cellular therapy product unit carries, and what it may not lack.

Sources, element by element (docs/cell-products.md#label-elements):
- ICCBBA ST-001 ISBT 128 Standard Technical Specification v6.2.2: 7.3.1 (the DIN, the Product
  Description Code and the division code are printed electronically readable and as text),
  7.4.1 and 7.5.1.1 (all 13 DIN characters, K after them in a box, never encoded), 7.4.2.1
  (text of a bar code's data content under it, without data identifiers), 7.4.4.1 (product
  description), 7.4.4.2 (dates as ISO 8601 or DD MMM YYYY, 24-hour times; a cellular therapy
  expiry with the local zone and UTC), Table 7 (the collection type in the Product Code);
- ICCBBA ST-004 ISBT 128 Standard Labeling of Cellular Therapy Products (v1.2.1, 2021): the
  cellular therapy label carries the product code and description, the facility, volume,
  cell content, intended use and, for autologous and directed products, the recipient; its
  100 mm x 100 mm layout is followed in spirit only: the licensed bar-code positions are not
  reproduced;
- 21 CFR 1271.370(b)-(c) (identification code, description, expiry, warnings, establishment
  name and address, storage temperature), 1271.90(c) (FOR AUTOLOGOUS USE ONLY; NOT EVALUATED
  FOR INFECTIOUS SUBSTANCES; the Biohazard legend and warnings), 1271.65(b)(2) and 1271.3(h)
  (the Biohazard legend, "WARNING: Advise patient of communicable disease risks" and, for
  reactive results, "WARNING: Reactive test results for ..."); Commission Directive
  2006/86/EC Annex II part E (autologous use, recipient, biological hazard).

A label with a missing or contradictory element is refused with every problem named
(`label_problems`): an incomplete label is never printed. `label_layout` places the elements
and writes SVG; `label_pdf` draws the same layout as a printable PDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from orthoregen.products.donor_testing import (
    PANEL_BY_ID,
    EligibilityFinding,
    LabelStatement,
    ReasonKind,
)
from orthoregen.products.dose import CellDose
from orthoregen.products.isbt128 import DonationIdentificationNumber, UnitIdentifier
from orthoregen.products.product_code import ProductCode


class IntendedUse(StrEnum):
    AUTOLOGOUS = "autologous"
    ALLOGENEIC = "allogeneic"


@dataclass(frozen=True)
class Facility:
    """The establishment that releases the unit (21 CFR 1271.370(c)(1)) and its ICCBBA FIN."""

    name: str
    address: str
    # ICCBBA Facility Identification Number; "" takes the FIN of the DIN (ST-001 2.4.1).
    fin: str = ""


@dataclass(frozen=True)
class Recipient:
    """The intended recipient: for an autologous unit, the person the cells came from."""

    name: str
    identifier: str
    date_of_birth: date | None = None


@dataclass(frozen=True, kw_only=True)
class LabelContent:
    """Everything a cellular therapy product label carries."""

    identifier: UnitIdentifier
    # Product description as the clinic's licensed ISBT 128 PDC table words it (ST-001 7.4.4.1).
    product: str
    expires_at: datetime
    facility_zone: ZoneInfo
    storage: str
    facility: Facility
    volume_ml: float
    intended_use: IntendedUse
    product_code: ProductCode | None = None
    cell_dose: CellDose | None = None
    recipient: Recipient | None = None
    # The donor finding's label statements (donor_testing.EligibilityFinding.labels).
    warnings: tuple[LabelStatement, ...] = ()
    # Names of the tests with reactive results, for "WARNING: Reactive test results for ...".
    reactive_tests: tuple[str, ...] = ()
    # Further statements, e.g. the investigational-use caution of 21 CFR 312.6.
    statements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "intended_use", IntendedUse(self.intended_use))
        object.__setattr__(self, "warnings", tuple(LabelStatement(w) for w in self.warnings))


def warnings_from_finding(
    finding: EligibilityFinding,
) -> tuple[tuple[LabelStatement, ...], tuple[str, ...]]:
    """Return the label statements and the reactive tests' names of a donor finding."""
    reactive = {ReasonKind.REACTIVE, ReasonKind.RELEASE_UNDER_SOP}
    names = tuple(
        PANEL_BY_ID[reason.test_id].name for reason in finding.reasons if reason.kind in reactive
    )
    return finding.labels, tuple(dict.fromkeys(names))


class ProblemKind(StrEnum):
    MISSING_ELEMENT = "missing_element"
    MISSING_PRODUCT_CODE = "missing_product_code"
    MISSING_RECIPIENT = "missing_recipient"
    USE_CONTRADICTS_CODE = "use_contradicts_code"
    BIOHAZARD_CONTRADICTS_CODE = "biohazard_contradicts_code"
    USE_CONTRADICTS_WARNINGS = "use_contradicts_warnings"
    DOES_NOT_FIT = "does_not_fit"


@dataclass(frozen=True)
class LabelProblem:
    kind: ProblemKind
    message: str


class LabelRefused(ValueError):
    """A label that would miss or contradict a required element; `problems` says which."""

    def __init__(self, problems: tuple[LabelProblem, ...]) -> None:
        super().__init__("label refused: " + "; ".join(p.message for p in problems))
        self.problems = problems


def label_problems(content: LabelContent) -> tuple[LabelProblem, ...]:
    """Return every element the label misses or contradicts; () when it can be printed."""
    return (
        *_missing_elements(content),
        *_recipient_problems(content),
        *_code_problems(content),
        *_warning_problems(content),
    )


def _missing_elements(content: LabelContent) -> list[LabelProblem]:
    required = [
        (content.product, "the product description (21 CFR 1271.370(b)(2))"),
        (content.storage, "the storage temperature (21 CFR 1271.370(c)(2))"),
        (content.facility.name, "the releasing establishment's name (21 CFR 1271.370(c)(1))"),
        (content.facility.address, "its address (21 CFR 1271.370(c)(1))"),
    ]
    problems = [
        LabelProblem(ProblemKind.MISSING_ELEMENT, f"the label needs {what}")
        for text, what in required
        if not text.strip()
    ]
    if not (content.volume_ml > 0 and math.isfinite(content.volume_ml)):
        problems.append(
            LabelProblem(
                ProblemKind.MISSING_ELEMENT,
                f"the label needs the unit's volume, not {content.volume_ml} mL (ICCBBA ST-004)",
            )
        )
    return problems


def _recipient_problems(content: LabelContent) -> list[LabelProblem]:
    recipient = content.recipient
    if content.intended_use is not IntendedUse.AUTOLOGOUS:
        return []
    if recipient is None or not recipient.name.strip() or not recipient.identifier.strip():
        return [
            LabelProblem(
                ProblemKind.MISSING_RECIPIENT,
                "an autologous unit's label names its recipient and the recipient's identifier "
                "(ICCBBA ST-004; Directive 2006/86/EC Annex II part E)",
            )
        ]
    return []


def _code_problems(content: LabelContent) -> list[LabelProblem]:
    code = content.product_code
    if code is None:
        if isinstance(content.identifier, DonationIdentificationNumber):
            said = "an ISBT 128 label carries the Product Code with the DIN (ST-001 7.3.1)"
            return [LabelProblem(ProblemKind.MISSING_PRODUCT_CODE, said)]
        return []
    problems = []
    autologous = content.intended_use is IntendedUse.AUTOLOGOUS
    if code.collection_type != "0" and code.is_autologous != autologous:
        problems.append(
            LabelProblem(
                ProblemKind.USE_CONTRADICTS_CODE,
                f"the Product Code's collection type {code.collection_type} "
                f"({code.collection_type_meaning}) contradicts {content.intended_use} use "
                "(ST-001 Table 7)",
            )
        )
    biohazard = LabelStatement.BIOHAZARD_LEGEND in content.warnings
    if code.says_biohazard and not biohazard:
        said = (
            f"collection type {code.collection_type} ({code.collection_type_meaning}) needs "
            "the Biohazard legend the donor finding does not give"
        )
        problems.append(LabelProblem(ProblemKind.BIOHAZARD_CONTRADICTS_CODE, said))
    if biohazard and autologous and not code.says_biohazard:
        said = (
            "an autologous unit with the Biohazard legend has collection type X (for autologous "
            f"use only, biohazard), not {code.collection_type} (ST-001 Table 7)"
        )
        problems.append(LabelProblem(ProblemKind.BIOHAZARD_CONTRADICTS_CODE, said))
    return problems


def _warning_problems(content: LabelContent) -> list[LabelProblem]:
    autologous_only = LabelStatement.FOR_AUTOLOGOUS_USE_ONLY in content.warnings
    if autologous_only and content.intended_use is not IntendedUse.AUTOLOGOUS:
        said = "the donor finding says FOR AUTOLOGOUS USE ONLY, but the unit is labelled allogeneic"
        return [LabelProblem(ProblemKind.USE_CONTRADICTS_WARNINGS, said)]
    return []


def render_label_svg(content: LabelContent) -> str:
    """Return the label as SVG, 100 mm x 100 mm (`label_layout.render_label_svg`)."""
    # Imported here, as label_layout builds on this module's content and problems.
    from orthoregen.products.label_layout import render_label_svg as render

    return render(content)
