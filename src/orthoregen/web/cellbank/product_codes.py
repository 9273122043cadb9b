"""The ISBT 128 Product Code a unit carries when none was scanned or typed at receipt.

The Product Description Code (PDC) table is licensed by ICCBBA and not shipped
(docs/cell-products.md#splits-and-division-codes), so a unit received without a Product Code,
and every unit stored before the field existed, gets a placeholder of its product class:
PDC S0000 (S, the cellular therapy family of ICCBBA ST-001 v6.2.2 section 2.4.3), the
collection type of its origin (ST-001 Table 7: `1` for autologous use only, `7` for allogeneic
use) and division `00`. A clinic holding the licence enters its own code at receipt; the
placeholder only keeps the structure, so a unit can be divided and its label checked.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from orthoregen.products.product_class import PRODUCT_CLASSES, Origin, ProductClass
from orthoregen.products.product_code import ProductCode, ProductCodeError

PLACEHOLDER_DESCRIPTION_CODE = "S0000"
COLLECTION_TYPE_OF_ORIGIN = {Origin.AUTOLOGOUS: "1", Origin.ALLOGENEIC: "7"}


def default_product_code(product_class: str) -> ProductCode:
    """Return the placeholder Product Code of a product class (undivided)."""
    origin = PRODUCT_CLASSES[ProductClass(product_class)].origin
    return ProductCode(PLACEHOLDER_DESCRIPTION_CODE, COLLECTION_TYPE_OF_ORIGIN[origin])


def validate_product_code(text: str) -> None:
    """Refuse stored text that is not the eight characters of an ISBT 128 Product Code."""
    try:
        code = ProductCode.parse(text)
    except ProductCodeError as error:
        raise ValidationError(str(error)) from None
    if code.code != text:
        raise ValidationError(gettext("store the eight data characters, without the =< "
                                      "identifier"))
