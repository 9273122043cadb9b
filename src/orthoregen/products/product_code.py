"""ISBT 128 Product Code (Data Structure 003) and the codes of a divided product.

Source: ICCBBA ST-001 ISBT 128 Standard Technical Specification v6.2.2 (April 2023):
- 2.4.3: structure `=<αooootds`, eight data characters. `αoooo` is the Product Description
  Code (PDC; α a capital letter, oooo capital letters or digits). For α = E, F, H, S, P, X0
  and YA-YZ, `t` is the Collection Type Code (Table 7, RT008) and `ds` the Division Code:
  `d` a capital letter, `s` a lower-case letter, `00` when the product has not been divided
  (Figure 3: S12954A0 is PDC S1295, collection type 4, division A0). For α = M, N, R, T, V
  and W, `tds` is a three-digit division or pack code (Figure 4: T1295003).
- 2.4.32: more levels of division than the two of DS003 need Product Divisions (DS032,
  `=,dddddd`) with `99` in positions 7-8 of the Product Code; DS032 is not implemented here,
  so a third level is refused rather than encoded wrongly.
- 7.3.1: the DIN, the Product Description Code and the division code together identify a
  product for traceability, so every part of a divided product keeps the DIN of the whole.

The PDC database is licensed by ICCBBA and is not shipped: a clinic enters the codes and
descriptions of its licensed table, and this module checks only their structure
(docs/cell-products.md#splits-and-division-codes).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

DATA_IDENTIFIER = "=<"
UNDIVIDED = "00"
SEE_PRODUCT_DIVISIONS = "99"
FIRST_LEVEL = string.ascii_uppercase
SECOND_LEVEL = string.ascii_lowercase
# ST-001 2.4.3: d is a capital letter, s a lower-case letter, so each level has 26 divisions.
DIVISIONS_PER_LEVEL = len(FIRST_LEVEL)

# ST-001 Table 7 (RT008): Type of Collection in the 6th position of the Product Code.
COLLECTION_TYPES: dict[str, str] = {
    "0": "Not specified",
    "V": "Volunteer homologous (allogeneic)",
    "R": "Volunteer research (not for human application)",
    "S": "Volunteer source",
    "T": "Volunteer therapeutic",
    "P": "Paid homologous (allogeneic)",
    "r": "Paid research (not for human application)",
    "s": "Paid source",
    "A": "Autologous, eligible for crossover",
    "1": "For autologous use only",
    "X": "For autologous use only, biohazard",
    "D": "Volunteer directed, eligible for crossover",
    "d": "Paid directed, eligible for crossover",
    "2": "For directed recipient use only",
    "L": "For directed recipient use only, limited exposure",
    "E": "Medical exception, for specified recipient only (allogeneic)",
    "Q": "See Special Testing bar code",
    "3": "For directed recipient use only, biohazard",
    "4": "Designated",
    "5": "Dedicated",
    "6": "Designated, biohazard",
    "F": "Family reserved",
    "C": "Replacement",
    "7": "For allogeneic use",
    "8": "For autologous use, contains allogeneic material",
    "B": "Directed/Dedicated/Designated collection use only",
    "H": "Directed/Dedicated/Designated collection, biohazardous",
    "J": "Directed/Dedicated/Designated collection, eligible for crossover",
    "G": "For emergency use only",
}
# The Table 7 types whose product comes from the recipient, and those that say biohazard.
AUTOLOGOUS_TYPES = frozenset({"A", "1", "X", "8"})
BIOHAZARD_TYPES = frozenset({"X", "3", "6", "H"})

_PDC = re.compile(r"^[A-Z][A-Z0-9]{4}$")


class ProductCodeError(ValueError):
    """A Product Code that does not have the structure of ST-001 Data Structure 003."""


class DivisionRefused(ValueError):
    """A division the Product Code cannot express (ST-001 2.4.3, 2.4.32)."""


@dataclass(frozen=True)
class ProductCode:
    """An ISBT 128 Product Code with a Collection Type Code and a Division Code (DS003)."""

    description_code: str
    collection_type: str
    division: str = UNDIVIDED

    def __post_init__(self) -> None:
        pdc = self.description_code
        if not _PDC.match(pdc):
            raise ProductCodeError(
                f"product description code {pdc!r} must be a capital letter and four capital "
                "letters or digits (ST-001 2.4.3)"
            )
        if not has_collection_type(pdc):
            raise ProductCodeError(
                f"product description code {pdc} has no collection type and division code: "
                "codes starting E, F, H, S, P, X0 or YA-YZ have them, those starting M, N, R, "
                "T, V or W a three-digit pack code instead (ST-001 2.4.3)"
            )
        if self.collection_type not in COLLECTION_TYPES:
            raise ProductCodeError(
                f"collection type {self.collection_type!r} is not in ST-001 Table 7 (RT008)"
            )
        if self.division == SEE_PRODUCT_DIVISIONS:
            raise ProductCodeError(
                "division 99 means the parts are numbered in Product Divisions (DS032), which "
                "must be scanned with the Product Code (ST-001 2.4.32); this system does not "
                "read DS032"
            )
        if division_level(self.division) is None:
            raise ProductCodeError(
                f"division code {self.division!r} must be 00, a capital letter and 0, or a "
                "capital and a lower-case letter (ST-001 2.4.3)"
            )

    @classmethod
    def parse(cls, text: str) -> ProductCode:
        """Read a Product Code as scanned (`=<` + 8 characters) or typed (8 characters)."""
        data = text.strip().removeprefix(DATA_IDENTIFIER)
        if len(data) != 8:
            raise ProductCodeError(
                f"a Product Code has 8 data characters, got {len(data)} in {text!r}"
            )
        return cls(data[:5], data[5], data[6:])

    @property
    def code(self) -> str:
        """Return the eight data characters, as printed under the bar code."""
        return f"{self.description_code}{self.collection_type}{self.division}"

    @property
    def barcode_data(self) -> str:
        """Return the bar-code data: data identifier `=<` and the eight data characters."""
        return DATA_IDENTIFIER + self.code

    @property
    def collection_type_meaning(self) -> str:
        return COLLECTION_TYPES[self.collection_type]

    @property
    def is_autologous(self) -> bool:
        return self.collection_type in AUTOLOGOUS_TYPES

    @property
    def says_biohazard(self) -> bool:
        return self.collection_type in BIOHAZARD_TYPES

    def __str__(self) -> str:
        return self.code


def has_collection_type(description_code: str) -> bool:
    """Tell whether a PDC's Product Code carries `t` and `ds` (α E, F, H, S, P, X0, YA-YZ)."""
    family, second = description_code[0], description_code[1]
    if family in "EFHSP":
        return True
    if family == "X":
        return second == "0"
    return family == "Y" and second in string.ascii_uppercase


def division_level(division: str) -> int | None:
    """Return 0 (undivided), 1 or 2 (division levels of DS003), or None if not a division code.

    `99` (see Product Divisions, DS032) is reported as None: it is not a level of DS003.
    """
    if division == UNDIVIDED:
        return 0
    if len(division) != 2 or division[0] not in FIRST_LEVEL:
        return None
    if division[1] == "0":
        return 1
    return 2 if division[1] in SECOND_LEVEL else None


def divide(parent: ProductCode, count: int) -> tuple[ProductCode, ...]:
    """Return the Product Codes of the `count` parts a product is divided into.

    ST-001 2.4.3: an undivided product (`00`) divides into A0, B0, ... Z0; a first-level part
    (`A0`) into Aa, Ab, ... Az. A part divided twice (`Ab`) would need a third level, which
    DS003 cannot express (DS032, ST-001 2.4.32, is not implemented), so it is refused, as are
    more than 26 parts at one level. Fewer than two parts is no division (project rule).
    """
    level = division_level(parent.division)
    if level == 2:
        raise DivisionRefused(
            f"product {parent.code} is already divided twice (division {parent.division}); "
            "ST-001 2.4.3 gives the Product Code two levels of division, and a third needs "
            "Product Divisions (DS032), which this system does not encode"
        )
    if count < 2:
        raise DivisionRefused(f"a division makes two or more parts, not {count}")
    if count > DIVISIONS_PER_LEVEL:
        letters = "A-Z" if level == 0 else "a-z"
        raise DivisionRefused(
            f"product {parent.code} cannot be divided into {count} parts: a division level "
            f"has {DIVISIONS_PER_LEVEL} codes ({letters}, ST-001 2.4.3)"
        )
    if level == 0:
        divisions = [f"{letter}0" for letter in FIRST_LEVEL[:count]]
    else:
        divisions = [parent.division[0] + letter for letter in SECOND_LEVEL[:count]]
    return tuple(
        ProductCode(parent.description_code, parent.collection_type, division)
        for division in divisions
    )
