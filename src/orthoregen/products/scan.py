"""One scan or typed entry naming a unit: its identifier and, where given, its Product Code.

ICCBBA ST-001 v6.2.2 7.3.1: the DIN, the Product Description Code and the division code
together identify a product, so the parts of a divided unit share the DIN and differ only by
the Product Code (Data Structure 003, data identifier `=<`, section 2.4.3). A reader sends each
bar code as it is read; the two may arrive in one entry, concatenated (`=G123417654321 00=<
S12954A0`), or a person types the DIN with its check character and then the eight characters
of the Product Code after a space (`G123417654321A S12954A0`).
"""

from __future__ import annotations

from dataclasses import dataclass

from orthoregen.products.product_code import DATA_IDENTIFIER, ProductCode

PRODUCT_CODE_LENGTH = 8


@dataclass(frozen=True)
class Scan:
    """The identifier's text, as scanned or typed, and the Product Code read with it."""

    identifier_text: str
    product_code: ProductCode | None = None


def split_scan(text: str) -> Scan:
    """Separate the Product Code, if present, from the unit identifier of an entry.

    Raises product_code.ProductCodeError if what follows `=<` or the last word of eight
    characters is not a Product Code; the identifier's text is returned unread, for
    isbt128.parse_unit_identifier to judge.
    """
    entry = text.strip()
    if DATA_IDENTIFIER in entry:
        head, _, code = entry.partition(DATA_IDENTIFIER)
        return Scan(head.strip(), ProductCode.parse(code))
    words = entry.split()
    # A DIN typed in groups ("G1234 17 654321 A") has no eight-character word, and a local
    # identifier no space, so a last word of eight characters after another is a Product Code.
    if len(words) >= 2 and len(words[-1]) == PRODUCT_CODE_LENGTH:
        return Scan(" ".join(words[:-1]), ProductCode.parse(words[-1]))
    return Scan(entry)
