import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import zxingcpp
from matplotlib.image import imread

from orthoregen.products import labels
from orthoregen.products.donor_testing import (
    Donation,
    LabelStatement,
    Reactivity,
    RecordedResult,
    assess_eligibility,
    required_panel,
)
from orthoregen.products.dose import cell_dose
from orthoregen.products.isbt128 import DonationIdentificationNumber, LocalId, parse_din
from orthoregen.products.isbt128_expiry import parse_expiration
from orthoregen.products.label_layout import (
    BIOHAZARD_SYMBOL,
    LABEL_MM,
    MODULE_MM,
    MONOSPACE_EM,
    QUIET_ZONE_MODULES,
    Bars,
    Text,
    code128_modules,
    layout_label,
    render_label_svg,
    text_width_em,
)
from orthoregen.products.label_pdf import render_label_pdf, render_label_png
from orthoregen.products.labels import (
    Facility,
    IntendedUse,
    LabelContent,
    LabelRefused,
    ProblemKind,
    Recipient,
    label_problems,
    warnings_from_finding,
)
from orthoregen.products.product_class import Origin
from orthoregen.products.product_code import ProductCode

L = LabelStatement
P = ProblemKind
SVG = "{http://www.w3.org/2000/svg}"
LONDON = ZoneInfo("Europe/London")
# ST-001 v6.2.2 Fig. 21 tissue label: DIN A9999 17 123456 with K 9, expiry 29 JAN 2018 23:59,
# DS005 data 0180292359.
DIN = DonationIdentificationNumber.from_din("A999917123456")
EXPIRES = datetime(2018, 1, 29, 23, 59, tzinfo=LONDON)
# Product Code structure of ST-001 2.4.3 with collection type 1 (Table 7: "For autologous use
# only"); S1128 is the PDC of the HL7 FHIR R5 BiologicallyDerivedProduct example
# "autologousHCT", used here for its structure only (the PDC table is licensed).
AUTOLOGOUS_CODE = ProductCode("S1128", "1")
AUTOLOGOUS = LabelContent(
    identifier=DIN,
    product="MSC(AT) autologous, culture-expanded, cryopreserved",
    expires_at=EXPIRES,
    facility_zone=LONDON,
    storage="LN2 vapour phase, at or below -150 °C",
    facility=Facility("Orthoregen Cell Lab", "1 Example Street, London NW1 1AA"),
    volume_ml=5,
    intended_use=IntendedUse.AUTOLOGOUS,
    product_code=AUTOLOGOUS_CODE,
    cell_dose=cell_dose(20e6, 5, viability_percent=92),
    recipient=Recipient("Anna Müller", "MRN-004711", date(1958, 4, 12)),
    warnings=(L.FOR_AUTOLOGOUS_USE_ONLY, L.NOT_EVALUATED),
    statements=("Caution: New Drug - Limited by Federal (or United States) law to "
                "investigational use",),
)  # fmt: skip
# An autologous unit with a reactive result: ST-001 Table 7 collection type X ("for autologous
# use only, biohazard") and the 21 CFR 1271.90(c) / 1271.65(b)(2) warnings.
BIOHAZARD = replace(
    AUTOLOGOUS,
    product_code=ProductCode("S1128", "X"),
    warnings=(L.FOR_AUTOLOGOUS_USE_ONLY, L.BIOHAZARD_LEGEND, L.ADVISE_PATIENT),
    reactive_tests=("HBsAg",),
)
ALLOGENEIC = replace(
    AUTOLOGOUS,
    product="MSC(WJ) allogeneic, cryopreserved",
    intended_use=IntendedUse.ALLOGENEIC,
    product_code=ProductCode("S1128", "V"),
    recipient=None,
    warnings=(),
    statements=(),
)

# ISO/IEC 15417 Code 128 symbol table: Start A 11010000100, B 11010010000, C 11010011100,
# Stop 1100011101011; each symbol character is 11 modules.
START_A, START_B, START_C = "11010000100", "11010010000", "11010011100"
STOP = "1100011101011"


def svg_root(content):
    return ET.fromstring(render_label_svg(content))


def svg_texts(content):
    return [t.text for t in svg_root(content).iter(f"{SVG}text")]


def bar_modules(group):
    """Rebuild the module string of a bar-code group from its rectangles."""
    rects = group.findall(f"{SVG}rect")
    first = float(rects[0].get("x"))
    modules = ["0"] * round((float(rects[-1].get("x")) + float(rects[-1].get("width")) - first)
                            / MODULE_MM)  # fmt: skip
    for rect in rects:
        start = round((float(rect.get("x")) - first) / MODULE_MM)
        for i in range(round(float(rect.get("width")) / MODULE_MM)):
            modules[start + i] = "1"
    return "".join(modules)


def decoded(content, dpi=600):
    """Decode every bar code zxing-cpp finds in the PNG rendered from the label's layout."""
    pixels = imread(io.BytesIO(render_label_png(content, dpi=dpi)))
    image = np.ascontiguousarray((pixels[:, :, :3] * 255).round().astype(np.uint8))
    return {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)}


def test_code128_symbol_has_start_stop_and_whole_symbol_characters():
    modules = code128_modules(DIN.barcode_data)
    assert modules[:11] in {START_A, START_B}  # "=" is in code sets A and B, not C
    assert modules.endswith(STOP)
    assert (len(modules) - len(STOP)) % 11 == 0


def test_expiry_bar_code_starts_in_a_code_set_that_has_the_ampersand():
    assert code128_modules("&>0180292359")[:11] in {START_A, START_B}
    assert code128_modules("0180292359").startswith(START_C)


def test_svg_bar_codes_are_the_din_product_code_and_expiry_as_encoded():
    # ST-001 7.3.1: DIN and Product Code (with its division code) electronically readable;
    # DS005 expiry for cellular therapy products.
    groups = svg_root(AUTOLOGOUS).findall(f"{SVG}g")
    contents = [g.get("data-content") for g in groups]
    assert contents == ["=A99991712345600", "&>0180292359", "=<S1128100"]
    for group in groups:
        assert bar_modules(group) == code128_modules(group.get("data-content")).rstrip("0")


def test_every_required_element_is_printed():
    texts = svg_texts(AUTOLOGOUS)
    joined = " ".join(texts)
    root = svg_root(AUTOLOGOUS)
    expected = [
        "A9999 17 123456",  # ST-001 7.4.1: all 13 DIN characters
        "9",  # and K, boxed (7.5.1.1)
        "S1128100",  # 7.4.2.1: product code text, without the =< data identifier
        "0180292359",  # and the DS005 data, without &>
        "29 JAN 2018 23:59 GMT",  # 7.4.4.2: local time with the zone
        "(29 JAN 2018 23:59 UTC)",  # and UTC beneath, in brackets
        "FOR AUTOLOGOUS USE ONLY",  # 21 CFR 1271.90(c), on one line
        "Recipient: Anna Müller",  # ST-004, 2006/86/EC Annex II E: autologous recipient
        "ID MRN-004711",
        "DOB 1958-04-12",
        "Volume: 5 mL",  # ST-004
    ]
    for text in expected:
        assert text in texts, text
    assert root.find(f"{SVG}rect[@class='check-character-box']") is not None
    # Longer statements may wrap; a line break is a space in the joined text.
    assert "NOT EVALUATED FOR INFECTIOUS SUBSTANCES" in joined  # 1271.90(c), testing incomplete
    assert "MSC(AT) AUTOLOGOUS, CULTURE-EXPANDED, CRYOPRESERVED" in joined  # 1271.370(b)(2)
    assert "Cells: 100\u00a0×\u00a010⁶ total, 92\u00a0×\u00a010⁶ viable" in joined  # ST-004
    assert "Store at: LN2 vapour phase, at or below -150 °C" in joined  # 1271.370(c)(2)
    # 1271.370(c)(1): releasing establishment's name and address; ST-004: its FIN.
    assert "Orthoregen Cell Lab, 1 Example Street, London NW1 1AA  FIN A9999" in joined
    assert "investigational use" in joined  # a further statement (21 CFR 312.6)
    assert "&>" not in joined and "=<" not in joined


def test_a_reactive_finding_prints_the_biohazard_legend_and_warnings():
    texts = svg_texts(BIOHAZARD)
    joined = " ".join(texts)
    # 21 CFR 1271.3(h): the Biohazard legend; 1271.65(b)(2) and 1271.90(c): the warnings.
    assert BIOHAZARD_SYMBOL in texts and "BIOHAZARD" in texts
    assert "WARNING: Advise patient of communicable disease risks" in joined
    assert "WARNING: Reactive test results for HBsAg" in joined
    assert "S1128X00" in texts  # ST-001 Table 7: X, for autologous use only, biohazard


def test_an_allogeneic_label_says_so_and_needs_no_recipient():
    texts = svg_texts(ALLOGENEIC)
    assert "FOR ALLOGENEIC USE" in texts  # ST-001 Table 7, collection type 7
    assert "FOR AUTOLOGOUS USE ONLY" not in texts
    assert not any(t.startswith("Recipient") for t in texts)


@pytest.mark.parametrize("content", [AUTOLOGOUS, BIOHAZARD, ALLOGENEIC])
def test_every_bar_code_and_text_stays_inside_the_label(content):
    for element in layout_label(content):
        assert 0 <= element.x_mm and 0 <= element.y_mm <= LABEL_MM
        if isinstance(element, Bars):
            width = (len(element.modules) + 2 * QUIET_ZONE_MODULES) * MODULE_MM
        elif isinstance(element, Text) and element.monospace:
            width = len(element.text) * MONOSPACE_EM * element.size_mm
        elif isinstance(element, Text):
            width = text_width_em(element.text, bold=element.bold) * element.size_mm
        else:
            width = element.width_mm
        assert element.x_mm + width <= LABEL_MM, element


@pytest.mark.parametrize(
    "din", ["A999917123456", "A999917345628", "W000009123456"]
)  # ST-001 Fig. 21, Fig. 22 (K is *), 7.4 flag example
def test_the_rendered_bar_codes_decode_to_the_din_product_code_and_expiry(din):
    content = replace(BIOHAZARD, identifier=DonationIdentificationNumber.from_din(din))
    found = decoded(content)
    assert found == {
        ("Code128", f"={din}00"),
        ("Code128", "=<S1128X00"),
        ("Code128", "&>0180292359"),
    }
    texts = dict((text[:2], text) for _, text in found)
    assert parse_din(texts["=" + din[0]]).din == din
    assert ProductCode.parse(texts["=<"]) == content.product_code
    assert parse_expiration(texts["&>"], LONDON) == EXPIRES


def test_a_local_identifier_label_decodes_to_the_local_identifier_with_its_check():
    local = LocalId("OR2026000123")
    content = replace(ALLOGENEIC, identifier=local, product_code=None)
    assert decoded(content, dpi=400) == {("Code128", local.eye_readable)}
    assert local.eye_readable in svg_texts(content)


def test_the_pdf_is_one_100_mm_page():
    pdf = render_label_pdf(BIOHAZARD)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box and [float(v) for v in box.groups()] == pytest.approx([283.465] * 2, abs=1e-2)


@pytest.mark.parametrize(
    ("changes", "kind", "message"),
    [
        ({"recipient": None}, P.MISSING_RECIPIENT, "names its recipient"),
        ({"recipient": Recipient("Anna Müller", " ")}, P.MISSING_RECIPIENT, "identifier"),
        ({"product_code": None}, P.MISSING_PRODUCT_CODE, "ST-001 7.3.1"),
        ({"product": " "}, P.MISSING_ELEMENT, "product description"),
        ({"storage": ""}, P.MISSING_ELEMENT, "storage temperature"),
        ({"facility": Facility("", "1 Example St")}, P.MISSING_ELEMENT, "establishment's name"),
        ({"facility": Facility("Lab", "")}, P.MISSING_ELEMENT, "address"),
        ({"volume_ml": 0}, P.MISSING_ELEMENT, "volume"),
        ({"volume_ml": float("nan")}, P.MISSING_ELEMENT, "volume"),
        ({"product_code": ProductCode("S1128", "V")}, P.USE_CONTRADICTS_CODE, "Table 7"),
        (
            {"warnings": (L.FOR_AUTOLOGOUS_USE_ONLY, L.BIOHAZARD_LEGEND, L.ADVISE_PATIENT)},
            P.BIOHAZARD_CONTRADICTS_CODE,
            "collection type X",
        ),
        ({"product_code": ProductCode("S1128", "X")}, P.BIOHAZARD_CONTRADICTS_CODE, "needs"),
    ],
)
def test_a_label_missing_or_contradicting_an_element_is_refused_saying_which(
    changes, kind, message
):
    content = replace(AUTOLOGOUS, **changes)
    problems = label_problems(content)
    assert [p.kind for p in problems] == [kind]
    assert re.search(message, problems[0].message)
    with pytest.raises(LabelRefused) as refused:
        render_label_svg(content)
    assert refused.value.problems == problems
    with pytest.raises(LabelRefused):
        render_label_pdf(content)


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"product_code": ProductCode("S1128", "1")}, P.USE_CONTRADICTS_CODE),
        ({"warnings": (L.FOR_AUTOLOGOUS_USE_ONLY,)}, P.USE_CONTRADICTS_WARNINGS),
    ],
)
def test_an_allogeneic_label_may_not_say_autologous(changes, kind):
    assert [p.kind for p in label_problems(replace(ALLOGENEIC, **changes))] == [kind]


def test_a_collection_type_not_specified_contradicts_no_use():
    # ST-001 Table 7: 0 is "Not specified (null value)".
    assert label_problems(replace(ALLOGENEIC, product_code=ProductCode("S1128", "0"))) == ()


def test_all_problems_are_named_at_once():
    content = replace(AUTOLOGOUS, recipient=None, storage="", product_code=None)
    kinds = {p.kind for p in label_problems(content)}
    assert kinds == {P.MISSING_RECIPIENT, P.MISSING_ELEMENT, P.MISSING_PRODUCT_CODE}


def test_statements_that_do_not_fit_refuse_the_label():
    content = replace(BIOHAZARD, statements=("A long further statement for the label. " * 4,) * 4)
    with pytest.raises(LabelRefused) as refused:
        layout_label(content)
    assert [p.kind for p in refused.value.problems] == [P.DOES_NOT_FIT]


def test_warnings_come_from_the_donor_finding():
    # 21 CFR 1271.90(c): an autologous unit with a reactive HBsAg gets FOR AUTOLOGOUS USE ONLY,
    # the Biohazard legend and the warnings, naming the reactive test.
    donation = Donation(
        origin=Origin.AUTOLOGOUS, recovered_on=date(2026, 3, 10), is_leukocyte_rich=False
    )
    results = [
        RecordedResult(
            test_id=test.id,
            specimen_date=date(2026, 3, 10),
            reactivity=Reactivity.REACTIVE if test.id == "hbsag" else Reactivity.NON_REACTIVE,
        )
        for test in required_panel(donation)
    ]
    warnings, reactive = warnings_from_finding(assess_eligibility(donation, results))
    assert warnings == (L.FOR_AUTOLOGOUS_USE_ONLY, L.BIOHAZARD_LEGEND, L.ADVISE_PATIENT)
    assert reactive == ("HBsAg",)
    content = replace(BIOHAZARD, warnings=warnings, reactive_tests=reactive)
    assert label_problems(content) == ()


def test_the_label_text_is_the_same_in_the_layout_the_svg_and_the_pdf_draw():
    layout_texts = [e.text for e in layout_label(BIOHAZARD) if isinstance(e, Text)]
    assert layout_texts == svg_texts(BIOHAZARD)


def test_expiry_is_printed_in_utc_too_when_the_zone_differs():
    content = replace(ALLOGENEIC, facility_zone=ZoneInfo("America/New_York"))
    expires = EXPIRES.astimezone(UTC)
    texts = svg_texts(content)
    # ST-001 7.4.4.2 example: 15 JAN 2017 15:15 EST (15 JAN 2017 20:15 UTC).
    assert "29 JAN 2018 18:59 EST" in texts
    assert f"({expires:%d %b %Y %H:%M} UTC)".upper() in texts


def test_the_svg_is_also_rendered_from_the_labels_module():
    assert labels.render_label_svg(ALLOGENEIC) == render_label_svg(ALLOGENEIC)
