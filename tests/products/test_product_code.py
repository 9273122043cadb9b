import string

import pytest

from orthoregen.products.product_code import (
    COLLECTION_TYPES,
    DivisionRefused,
    ProductCode,
    ProductCodeError,
    divide,
    division_level,
)

# ICCBBA ST-001 v6.2.2, section 2.4.3, Figure 3: S12954A0 is Product Description Code S1295,
# Collection Type Code 4 and Division Code A0 (divided once, first part).
FIGURE_3 = "S12954A0"
UNDIVIDED = ProductCode("S1295", "4")


def codes(parts):
    return [part.code for part in parts]


def test_figure_3_reads_as_description_code_collection_type_and_division():
    code = ProductCode.parse(FIGURE_3)
    assert (code.description_code, code.collection_type, code.division) == ("S1295", "4", "A0")
    assert code.barcode_data == "=<S12954A0"
    assert ProductCode.parse("=<S12954A0") == code
    assert division_level(code.division) == 1


def test_an_undivided_product_has_division_00():
    # ST-001 2.4.3: "00" when the product has not been divided.
    assert UNDIVIDED.code == "S1295400"
    assert division_level(UNDIVIDED.division) == 0


def test_an_undivided_product_divides_into_capital_letters_with_0():
    # ST-001 2.4.3 and Figure 3: the first level is the capital letter d, s stays 0 (A0).
    assert codes(divide(UNDIVIDED, 3)) == ["S12954A0", "S12954B0", "S12954C0"]


def test_a_first_level_part_divides_into_lower_case_letters():
    # ST-001 2.4.3: the second level is the lower-case letter s.
    assert codes(divide(ProductCode.parse(FIGURE_3), 2)) == ["S12954Aa", "S12954Ab"]


def test_every_part_keeps_the_description_code_and_collection_type():
    parts = divide(ProductCode("S1128", "1"), 26)
    assert {(p.description_code, p.collection_type) for p in parts} == {("S1128", "1")}
    assert [p.division for p in parts] == [f"{c}0" for c in string.ascii_uppercase]
    assert len(set(parts)) == 26


@pytest.mark.parametrize(
    ("parent", "count"),
    [(UNDIVIDED, 26), (ProductCode.parse(FIGURE_3), 26)],
)
def test_26_parts_is_the_most_one_level_holds(parent, count):
    assert len(divide(parent, count)) == count
    with pytest.raises(DivisionRefused, match="26 codes"):
        divide(parent, count + 1)


def test_a_part_divided_twice_cannot_be_divided_again():
    # DS003 has two levels; a third needs Product Divisions DS032 (ST-001 2.4.32).
    with pytest.raises(DivisionRefused, match="already divided twice.*DS032"):
        divide(ProductCode.parse("S12954Ab"), 2)


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_parts_is_no_division(count):
    with pytest.raises(DivisionRefused, match="two or more"):
        divide(UNDIVIDED, count)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S12954a0", "division code 'a0'"),  # d is a capital letter
        ("S12954AA", "division code 'AA'"),  # s is a lower-case letter
        ("S129540a", "division code '0a'"),
        ("S1295499", "Product Divisions \\(DS032\\)"),
        ("S1295Z00", "collection type 'Z' is not in ST-001 Table 7"),
        ("T1295003", "three-digit pack code"),  # ST-001 Figure 4
        ("s1295400", "capital letter"),
        ("S12954A", "8 data characters"),
    ],
)
def test_codes_outside_data_structure_003_are_refused_saying_why(text, message):
    with pytest.raises(ProductCodeError, match=message):
        ProductCode.parse(text)


@pytest.mark.parametrize("pdc", ["E0001", "F0001", "H0001", "S1128", "P0001", "X0001", "YA001"])
def test_families_with_a_collection_type_and_division_code(pdc):
    # ST-001 2.4.3: alpha E, F, H, S, P, X0 and YA-YZ.
    assert ProductCode(pdc, "V").code == f"{pdc}V00"


def test_collection_types_carry_their_table_7_meaning():
    # ST-001 Table 7 (RT008).
    assert ProductCode("S1128", "1").collection_type_meaning == "For autologous use only"
    assert ProductCode("S1128", "1").is_autologous
    assert ProductCode("S1128", "X").says_biohazard
    assert not ProductCode("S1128", "V").is_autologous
    assert len(COLLECTION_TYPES) == 29
