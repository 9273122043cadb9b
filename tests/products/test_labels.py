import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

from orthoregen.products.isbt128 import DonationIdentificationNumber, LocalId
from orthoregen.products.labels import (
    MODULE_MM,
    QUIET_ZONE_MODULES,
    LabelContent,
    code128_modules,
    render_label_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
LONDON = ZoneInfo("Europe/London")
# ST-001 Fig. 21 tissue label: DIN A9999 17 123456 with K 9, expiry 29 JAN 2018 23:59.
DIN = DonationIdentificationNumber.from_din("A999917123456")
CONTENT = LabelContent(
    identifier=DIN,
    product="MSC(WJ) allogeneic, cryopreserved, 5 mL <20 x 10^6/mL> & HSA",
    expires_at=datetime(2018, 1, 29, 23, 59, tzinfo=LONDON),
    facility_zone=LONDON,
    storage="LN2 vapour phase, at or below -150 °C",
    statements=("Caution: New Drug - Limited by Federal law to investigational use",),
)

# ISO/IEC 15417 Code 128 symbol table: Start A 11010000100, B 11010010000, C 11010011100,
# Stop 1100011101011; each symbol character is 11 modules.
START_A, START_B, START_C = "11010000100", "11010010000", "11010011100"
STOP = "1100011101011"


def parse(svg):
    return ET.fromstring(svg)


def bar_modules(group):
    rects = group.findall(f"{SVG}rect")
    lefts = [round(float(r.get("x")) / MODULE_MM) for r in rects]
    first = round((5 + QUIET_ZONE_MODULES * MODULE_MM) / MODULE_MM)
    width = max(lefts) - first + 1
    return "".join("1" if first + i in set(lefts) else "0" for i in range(width))


def test_code128_symbol_has_start_stop_and_whole_symbol_characters():
    modules = code128_modules(DIN.barcode_data)
    assert modules[:11] in {START_A, START_B}  # "=" is in code sets A and B, not C
    assert modules.endswith(STOP)
    assert (len(modules) - len(STOP)) % 11 == 0


def test_expiry_bar_code_starts_in_a_code_set_that_has_the_ampersand():
    assert code128_modules("&>0180292359")[:11] in {START_A, START_B}
    assert code128_modules("0180292359").startswith(START_C)


def test_label_is_well_formed_svg_with_the_identifier_bars_as_encoded():
    root = parse(render_label_svg(CONTENT))
    groups = root.findall(f"{SVG}g")
    assert len(groups) == 2  # DIN and DS005 expiry
    assert bar_modules(groups[0]) == code128_modules("=A99991712345600").rstrip("0")


def test_label_prints_din_grouped_with_boxed_k_product_expiry_and_storage():
    root = parse(render_label_svg(CONTENT))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    joined = " ".join(texts)
    assert "A9999 17 123456" in texts
    assert "9" in texts
    assert root.find(f"{SVG}rect[@class='check-character-box']") is not None
    assert CONTENT.product in joined  # wrapped and escaped, read back intact
    assert "&>0180292359" in texts  # DS005 data printed under its bar code
    assert "EXPIRES 29 JAN 2018 23:59 GMT" in texts
    assert "(2018-01-29 23:59 UTC)" in texts
    assert f"Storage: {CONTENT.storage}" in joined
    assert CONTENT.statements[0] in joined


def test_local_identifier_label_encodes_the_check_character_and_has_no_isbt_expiry_code():
    local = LocalId("OR2026000123")
    content = LabelContent(local, "BMAC", CONTENT.expires_at, LONDON, "room temperature")
    root = parse(render_label_svg(content))
    assert len(root.findall(f"{SVG}g")) == 1
    assert local.eye_readable in [t.text for t in root.iter(f"{SVG}text")]
