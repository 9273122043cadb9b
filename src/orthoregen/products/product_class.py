"""Classes of cell product a clinic gives, with their source and manipulation.

Source: docs/cell-products.md#product-classes and the ICCBBA-ISCT tissue-of-origin
abbreviations MSC(M), MSC(AT), MSC(WJ) (Viswanathan S et al., Cytotherapy 2021, PMID 34116944).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Origin(StrEnum):
    AUTOLOGOUS = "autologous"
    ALLOGENEIC = "allogeneic"


class ProductClass(StrEnum):
    BMAC = "bmac"
    MFAT = "mfat"
    SVF = "svf"
    AUTOLOGOUS_ADIPOSE_MSC = "autologous_adipose_msc"
    AUTOLOGOUS_MARROW_MSC = "autologous_marrow_msc"
    UMBILICAL_CORD_MSC = "umbilical_cord_msc"
    DONOR_ADIPOSE_MSC = "donor_adipose_msc"
    DONOR_MARROW_MSC = "donor_marrow_msc"
    BIRTH_TISSUE_ALLOGRAFT = "birth_tissue_allograft"


@dataclass(frozen=True)
class ProductClassInfo:
    label: str
    origin: Origin
    culture_expanded: bool
    # ICCBBA-ISCT abbreviation; None where the product is not an MSC product by ISCT criteria.
    msc_tissue: str | None

    @property
    def needs_donor_eligibility(self) -> bool:
        return self.origin is Origin.ALLOGENEIC


_A, _G = Origin.AUTOLOGOUS, Origin.ALLOGENEIC
PRODUCT_CLASSES = {
    ProductClass.BMAC: ProductClassInfo("Bone marrow aspirate concentrate", _A, False, None),
    ProductClass.MFAT: ProductClassInfo("Micro-fragmented adipose tissue", _A, False, None),
    ProductClass.SVF: ProductClassInfo("Stromal vascular fraction", _A, False, None),
    ProductClass.AUTOLOGOUS_ADIPOSE_MSC: ProductClassInfo(
        "Culture-expanded adipose MSC, autologous", _A, True, "MSC(AT)"
    ),
    ProductClass.AUTOLOGOUS_MARROW_MSC: ProductClassInfo(
        "Culture-expanded bone marrow MSC, autologous", _A, True, "MSC(M)"
    ),
    ProductClass.UMBILICAL_CORD_MSC: ProductClassInfo(
        "Umbilical cord (Wharton's jelly) MSC, allogeneic", _G, True, "MSC(WJ)"
    ),
    ProductClass.DONOR_ADIPOSE_MSC: ProductClassInfo(
        "Culture-expanded adipose MSC, allogeneic donor", _G, True, "MSC(AT)"
    ),
    ProductClass.DONOR_MARROW_MSC: ProductClassInfo(
        "Culture-expanded bone marrow MSC, allogeneic donor", _G, True, "MSC(M)"
    ),
    # Never labelled "MSC" without characterisation data (docs/cell-products.md#product-classes).
    ProductClass.BIRTH_TISSUE_ALLOGRAFT: ProductClassInfo(
        "Birth-tissue allograft (amniotic / Wharton's jelly)", _G, False, None
    ),
}
