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


@dataclass(frozen=True, kw_only=True)
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
    ProductClass.BMAC: ProductClassInfo(
        label="Bone marrow aspirate concentrate", origin=_A, culture_expanded=False, msc_tissue=None
    ),
    ProductClass.MFAT: ProductClassInfo(
        label="Micro-fragmented adipose tissue", origin=_A, culture_expanded=False, msc_tissue=None
    ),
    ProductClass.SVF: ProductClassInfo(
        label="Stromal vascular fraction", origin=_A, culture_expanded=False, msc_tissue=None
    ),
    ProductClass.AUTOLOGOUS_ADIPOSE_MSC: ProductClassInfo(
        label="Culture-expanded adipose MSC, autologous",
        origin=_A,
        culture_expanded=True,
        msc_tissue="MSC(AT)",
    ),
    ProductClass.AUTOLOGOUS_MARROW_MSC: ProductClassInfo(
        label="Culture-expanded bone marrow MSC, autologous",
        origin=_A,
        culture_expanded=True,
        msc_tissue="MSC(M)",
    ),
    ProductClass.UMBILICAL_CORD_MSC: ProductClassInfo(
        label="Umbilical cord (Wharton's jelly) MSC, allogeneic",
        origin=_G,
        culture_expanded=True,
        msc_tissue="MSC(WJ)",
    ),
    ProductClass.DONOR_ADIPOSE_MSC: ProductClassInfo(
        label="Culture-expanded adipose MSC, allogeneic donor",
        origin=_G,
        culture_expanded=True,
        msc_tissue="MSC(AT)",
    ),
    ProductClass.DONOR_MARROW_MSC: ProductClassInfo(
        label="Culture-expanded bone marrow MSC, allogeneic donor",
        origin=_G,
        culture_expanded=True,
        msc_tissue="MSC(M)",
    ),
    # Never labelled "MSC" without characterisation data (docs/cell-products.md#product-classes).
    ProductClass.BIRTH_TISSUE_ALLOGRAFT: ProductClassInfo(
        label="Birth-tissue allograft (amniotic / Wharton's jelly)",
        origin=_G,
        culture_expanded=False,
        msc_tissue=None,
    ),
}
