"""Layout of a product label on 100 mm x 100 mm, and its rendering as SVG.

The layout is a list of bar codes, texts and boxes in mm from the top left corner; SVG here and
PDF in `label_pdf` draw the same list, so what is checked in one is what the other prints.
Quadrants follow the ISBT 128 label in spirit (ICCBBA ST-001 v6.2.2 section 7.3: DIN top left,
Product Code top right, expiry below the DIN); the licensed positions of ST-004 are not
reproduced. Placement rules, each cited where it is applied: ST-001 7.4.1 and 7.5.1.1 (DIN and
boxed K), 7.4.2.1 (bar-code text without data identifiers), 7.4.4.2 (dates and times), 21 CFR
1271.3(h) and 1271.90(c) (Biohazard legend and statements). Code 128 symbols come from
python-barcode; this module lays the bars out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from itertools import groupby
from xml.sax.saxutils import escape

from barcode import Code128

from orthoregen.products.donor_testing import LabelStatement
from orthoregen.products.isbt128 import DonationIdentificationNumber, UnitIdentifier
from orthoregen.products.isbt128_expiry import DATA_IDENTIFIER as EXPIRY_DATA_IDENTIFIER
from orthoregen.products.isbt128_expiry import encode_expiration
from orthoregen.products.labels import (
    IntendedUse,
    LabelContent,
    LabelProblem,
    LabelRefused,
    ProblemKind,
    label_problems,
)
from orthoregen.products.product_code import ProductCode

LABEL_MM = 100
MARGIN_MM = 3
COLUMN_MM = 46
RIGHT_X_MM = LABEL_MM - MARGIN_MM - COLUMN_MM
MODULE_MM = 0.25
QUIET_ZONE_MODULES = 10
BAR_HEIGHT_MM = 12
FOOTER_TOP_MM = 88
# Advance widths in em (regular, bold) of capitals, digits, spaces and the rest: the averages of
# DejaVu Sans rounded up, so wrapped text stays inside its column.
_EM_WIDTHS = {False: (0.7, 0.64, 0.32, 0.6), True: (0.78, 0.7, 0.35, 0.68)}
MONOSPACE_EM = 0.61
DIN_TEXT_MM = 4.2
# The largest bold face in which FOR AUTOLOGOUS USE ONLY fits one column line.
USE_TEXT_MM = 2.7
BIOHAZARD_SYMBOL = "\u2623"
_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
_MONOSPACE = "DejaVu Sans Mono, Courier New, monospace"


@dataclass(frozen=True)
class Bars:
    """A Code 128 symbol: `modules` of 1 (bar) and 0 (space), left edge at the quiet zone."""

    data: str
    x_mm: float
    y_mm: float
    modules: str
    height_mm: float = BAR_HEIGHT_MM

    @property
    def first_bar_x_mm(self) -> float:
        return self.x_mm + QUIET_ZONE_MODULES * MODULE_MM

    def runs(self) -> list[tuple[float, float]]:
        """Return (left, width) in mm of each bar, its adjacent bar modules merged."""
        found = []
        position = 0
        for module, group in groupby(self.modules):
            width = len(list(group))
            if module == "1":
                found.append((self.first_bar_x_mm + position * MODULE_MM, width * MODULE_MM))
            position += width
        return found


@dataclass(frozen=True)
class Text:
    text: str
    x_mm: float
    y_mm: float  # baseline
    size_mm: float
    bold: bool = False
    monospace: bool = False
    role: str = ""


@dataclass(frozen=True)
class Box:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    role: str = ""


Element = Bars | Text | Box


def code128_modules(data: str) -> str:
    """Return the Code 128 symbol of `data` as a string of 1 (bar) and 0 (space) modules."""
    modules: str = Code128(data).build()[0]
    return modules


def layout_label(content: LabelContent) -> tuple[Element, ...]:
    """Return the label's bar codes, texts and boxes in mm, refusing an incomplete label."""
    problems = label_problems(content)
    if problems:
        raise LabelRefused(problems)
    left = _Column(MARGIN_MM, MARGIN_MM)
    right = _Column(RIGHT_X_MM, MARGIN_MM)
    _identifier(left, content.identifier)
    if content.product_code is not None:
        _product_code(right, content.product_code)
    else:
        right.y = left.y  # a local identifier's bar code spans the top of the label
    right.lines(content.product.upper(), size=3.2, bold=True, role="product")
    _use_and_recipient(right, content)
    _contents(left, content)
    _expiry(left, content)
    # Warnings and statements go, in order of importance, to the column with more room left.
    for block in _warning_blocks(content):
        block(min((right, left), key=lambda column: column.y))
    footer = _footer(content)
    if max(left.y, right.y) > FOOTER_TOP_MM:
        said = "the label's text does not fit 100 mm x 100 mm; shorten the statements"
        raise LabelRefused((LabelProblem(ProblemKind.DOES_NOT_FIT, said),))
    return (*left.elements, *right.elements, *footer)


def render_label_svg(content: LabelContent) -> str:
    """Return the label as SVG, 100 mm x 100 mm, units of the drawing in mm."""
    body = "\n".join(_svg(element) for element in layout_label(content))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_MM}mm" height="{LABEL_MM}mm" '
        f'viewBox="0 0 {LABEL_MM} {LABEL_MM}">\n'
        f'<rect width="{LABEL_MM}" height="{LABEL_MM}" fill="white"/>\n{body}\n</svg>\n'
    )


class _Column:
    """A column of the label that elements are added to, top to bottom."""

    def __init__(self, x_mm: float, y_mm: float, width_mm: float = COLUMN_MM) -> None:
        self.x = x_mm
        self.y = y_mm
        self.width = width_mm
        self.elements: list[Element] = []

    def bars(self, data: str) -> Bars:
        bars = Bars(data, self.x, self.y, code128_modules(data))
        self.elements.append(bars)
        self.y += BAR_HEIGHT_MM
        return bars

    def lines(self, text: str, *, size: float, bold: bool = False, role: str = "") -> None:
        for piece in _wrap(text, self.width / size, bold=bold):
            self.y += size
            self.elements.append(Text(piece, self.x, self.y, size, bold=bold, role=role))
        self.y += 0.8


def _wrap(text: str, width_em: float, *, bold: bool) -> list[str]:
    """Break `text` at spaces into lines no wider than `width_em`; a longer word stands alone."""
    lines: list[str] = []
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and text_width_em(joined, bold=bold) <= width_em:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines or [""]


def text_width_em(text: str, *, bold: bool = False) -> float:
    """Return an upper estimate of the width of `text` in em of the label's sans-serif face."""
    upper, digit, space, other = _EM_WIDTHS[bold]
    return sum(
        upper if c.isupper() else digit if c.isdigit() else space if c == " " else other
        for c in text
    )


def _identifier(column: _Column, identifier: UnitIdentifier) -> None:
    column.bars(identifier.barcode_data)
    if not isinstance(identifier, DonationIdentificationNumber):
        column.y += DIN_TEXT_MM + 1
        text = identifier.eye_readable
        column.elements.append(Text(text, column.x, column.y, DIN_TEXT_MM, monospace=True))
        column.y += 0.4 * DIN_TEXT_MM + 1
        return
    # ST-001 7.4.1: all 13 DIN characters under the bar code; 7.5.1.1: K after them in a box,
    # in a monospace face that keeps 0/O and 1/I apart.
    # It need not be left-justified with the bars (7.4.1), which leaves room for a larger face.
    din = f"{identifier.fin} {identifier.year} {identifier.sequence}"
    size = DIN_TEXT_MM
    column.y += size + 1
    box_x = column.x + (len(din) + 0.5) * MONOSPACE_EM * size
    column.elements += [
        Text(din, column.x, column.y, size, monospace=True, role="din"),
        Box(box_x, column.y - 0.95 * size, 1.1 * size, 1.25 * size, role="check-character-box"),
        Text(identifier.check_character, box_x + 0.25 * size, column.y, size, monospace=True),
    ]
    column.y += 0.4 * size + 1


def _product_code(column: _Column, code: ProductCode) -> None:
    bars = column.bars(code.barcode_data)
    # ST-001 7.4.2.1: the data content under its bar code, without the data identifier.
    column.y += 2.6
    column.elements.append(
        Text(code.code, bars.first_bar_x_mm, column.y, 2.6, monospace=True, role="product-code")
    )
    column.y += 0.8


def _use_and_recipient(column: _Column, content: LabelContent) -> None:
    if content.intended_use is IntendedUse.AUTOLOGOUS:
        # 21 CFR 1271.90(c): FOR AUTOLOGOUS USE ONLY, whatever the donor finding says.
        statement = LabelStatement.FOR_AUTOLOGOUS_USE_ONLY.value
        column.lines(statement, size=USE_TEXT_MM, bold=True, role="use")
    else:
        # ST-001 Table 7, collection type 7: "For allogeneic use".
        column.lines("FOR ALLOGENEIC USE", size=USE_TEXT_MM, bold=True, role="use")
    recipient = content.recipient
    if recipient is not None:
        column.lines(f"Recipient: {recipient.name}", size=2.8, role="recipient")
        column.lines(f"ID {recipient.identifier}", size=2.8, role="recipient")
        if recipient.date_of_birth is not None:
            born = recipient.date_of_birth.isoformat()  # ST-001 7.4.4.2: ISO 8601
            column.lines(f"DOB {born}", size=2.8, role="recipient")


def _contents(column: _Column, content: LabelContent) -> None:
    column.lines(f"Volume: {content.volume_ml:g} mL", size=2.8, role="volume")
    dose = content.cell_dose
    if dose is not None:
        cells = f"Cells: {_millions(dose.total_cells)} total"
        if dose.viable_cells is not None:
            cells += f", {_millions(dose.viable_cells)} viable"
        column.lines(cells, size=2.8, role="cell-dose")
    column.lines(f"Store at: {content.storage}", size=2.6, role="storage")


def _expiry(column: _Column, content: LabelContent) -> None:
    local = content.expires_at.astimezone(content.facility_zone)
    utc = content.expires_at.astimezone(UTC)
    if isinstance(content.identifier, DonationIdentificationNumber):
        data = encode_expiration(content.expires_at, content.facility_zone)
        column.y += 1
        bars = column.bars(data)
        column.y += 2.6
        text = data.removeprefix(EXPIRY_DATA_IDENTIFIER)
        column.elements.append(Text(text, bars.first_bar_x_mm, column.y, 2.6, monospace=True))
        column.y += 0.8
    # ST-001 7.4.4.2: DD MMM YYYY, 24-hour time with the local zone, UTC beneath in brackets.
    column.lines("EXPIRES", size=2.4)
    column.lines(f"{local:%d %b %Y %H:%M} {local.tzname()}".upper(), size=3.2, bold=True)
    column.lines(f"({utc:%d %b %Y %H:%M} UTC)".upper(), size=2.6)


def _warning_blocks(content: LabelContent) -> list[Callable[[_Column], None]]:
    blocks: list[Callable[[_Column], None]] = []
    if LabelStatement.BIOHAZARD_LEGEND in content.warnings:
        blocks.append(_biohazard_legend)
    texts = []
    if LabelStatement.ADVISE_PATIENT in content.warnings:
        texts.append(LabelStatement.ADVISE_PATIENT.value)
    if content.reactive_tests:
        texts.append(f"WARNING: Reactive test results for {', '.join(content.reactive_tests)}")
    if LabelStatement.NOT_EVALUATED in content.warnings:
        texts.append(LabelStatement.NOT_EVALUATED.value)
    blocks += [partial(_warning, text=text) for text in texts]
    blocks += [partial(_statement, text=text) for text in content.statements]
    return blocks


def _biohazard_legend(column: _Column) -> None:
    # 21 CFR 1271.3(h): the Biohazard legend, the symbol with the word BIOHAZARD.
    column.y += 7
    column.elements += [
        Text(BIOHAZARD_SYMBOL, column.x, column.y, 7, role="biohazard-symbol"),
        Text("BIOHAZARD", column.x + 8, column.y - 1.5, 3.6, bold=True, role="biohazard"),
    ]
    column.y += 1.5


def _warning(column: _Column, *, text: str) -> None:
    column.lines(text, size=2.5, bold=True, role="warning")


def _statement(column: _Column, *, text: str) -> None:
    column.lines(text, size=2.3, role="statement")


def _footer(content: LabelContent) -> list[Element]:
    facility = content.facility
    fin = facility.fin
    if not fin and isinstance(content.identifier, DonationIdentificationNumber):
        fin = content.identifier.fin
    footer = _Column(MARGIN_MM, FOOTER_TOP_MM, LABEL_MM - 2 * MARGIN_MM)
    named = f"{facility.name}, {facility.address}" + (f"  FIN {fin}" if fin else "")
    footer.lines(named, size=2.4, role="facility")
    if footer.y > LABEL_MM - 1:
        said = "the establishment's name and address do not fit the label's last two lines"
        raise LabelRefused((LabelProblem(ProblemKind.DOES_NOT_FIT, said),))
    return footer.elements


def _millions(cells: float) -> str:
    # No-break spaces keep "25 x 10^6" on one line.
    return f"{cells / 1e6:.3g}\u00a0\u00d7\u00a010\u2076"


def _svg(element: Element) -> str:
    match element:
        case Bars():
            rects = "".join(
                f'<rect x="{left:.3f}" y="{element.y_mm:.3f}" width="{width:.3f}" '
                f'height="{element.height_mm}"/>'
                for left, width in element.runs()
            )
            data = escape(element.data, {'"': "&quot;"})
            return f'<g class="barcode" data-content="{data}" fill="black">{rects}</g>'
        case Box():
            return (
                f'<rect class="{element.role}" x="{element.x_mm:.2f}" y="{element.y_mm:.2f}" '
                f'width="{element.width_mm}" height="{element.height_mm}" fill="none" '
                'stroke="black" stroke-width="0.3"/>'
            )
        case Text():
            family = _MONOSPACE if element.monospace else _FONT
            weight = ' font-weight="bold"' if element.bold else ""
            role = f' class="{element.role}"' if element.role else ""
            return (
                f'<text{role} x="{element.x_mm:.2f}" y="{element.y_mm:.2f}" '
                f'font-family="{family}" font-size="{element.size_mm}"{weight}>'
                f"{escape(element.text)}</text>"
            )
