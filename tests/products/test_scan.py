import pytest

from orthoregen.products.isbt128 import parse_unit_identifier
from orthoregen.products.product_code import ProductCode, ProductCodeError
from orthoregen.products.scan import Scan, split_scan

# ICCBBA ST-001 v6.2.2 Figure 3's Product Code, and DIN G123417654321 with K = A (Appendix A.1).
PART = ProductCode.parse("S12954A0")


@pytest.mark.parametrize(
    ("entry", "identifier_text", "code"),
    [
        ("G123417654321A", "G123417654321A", None),
        ("G1234 17 654321 A", "G1234 17 654321 A", None),  # typed in the label's groups
        ("G123417654321A S12954A0", "G123417654321A", PART),
        ("G1234 17 654321 A  S12954A0\r\n", "G1234 17 654321 A", PART),
        ("=G12341765432100=<S12954A0", "=G12341765432100", PART),  # two bar codes, one read
        ("=G12341765432100 =<S12954A0", "=G12341765432100", PART),
        ("LOC-BM1-X S12954Aa", "LOC-BM1-X", ProductCode.parse("S12954Aa")),
        ("LOC-BM1-X", "LOC-BM1-X", None),
    ],
)
def test_separates_the_product_code_from_the_identifier(entry, identifier_text, code):
    assert split_scan(entry) == Scan(identifier_text, code)


def test_the_identifier_part_reads_as_the_din():
    scan = split_scan("=G12341765432100=<S12954A0")
    assert parse_unit_identifier(scan.identifier_text).din == "G123417654321"


def test_keeps_the_lower_case_second_level_division():
    # ST-001 2.4.3: s is a lower-case letter; upper-casing it would name another code.
    assert split_scan("G123417654321A S12954Ab").product_code.division == "Ab"


@pytest.mark.parametrize("entry", ["G123417654321A=<S1295", "G123417654321A S1295499"])
def test_refuses_a_malformed_product_code(entry):
    with pytest.raises(ProductCodeError):
        split_scan(entry)
