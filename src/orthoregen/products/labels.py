"""Printable SVG label of a product unit: Code 128 bar codes and eye-readable text.

Sources: ICCBBA ST-001 v6.2.2 (DIN bar code `=αppppyynnnnnnff`; K printed boxed after the
DIN and never encoded, sections 7.4.1 and 7.5.1.1; DS005 expiry; text expiry with the local
zone and UTC, section 7) and the label content of 21 CFR 1271.90(c) and Commission Directive
2006/86/EC Annex II part E (product, identifier, expiry, autologous and biohazard
statements); docs/cell-products.md#labels. Layout follows ST-004's 100 mm x 100 mm label in
spirit only: the licensed ST-004 bar-code positions are not reproduced. Code 128 symbols come
from python-barcode; this module only lays the bars out.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from barcode import Code128

from orthoregen.products.isbt128 import DonationIdentificationNumber, UnitIdentifier
from orthoregen.products.isbt128_expiry import encode_expiration

LABEL_MM = 100
MODULE_MM = 0.25
QUIET_ZONE_MODULES = 10
BAR_HEIGHT_MM = 12
# About 60 characters of 3.5 mm sans-serif fit in the 90 mm printable width.
TEXT_WIDTH_CHARACTERS = 60


@dataclass(frozen=True)
class LabelContent:
    identifier: UnitIdentifier
    product: str
    expires_at: datetime
    facility_zone: ZoneInfo
    storage: str
    statements: tuple[str, ...] = ()


def code128_modules(data: str) -> str:
    """Return the Code 128 symbol of `data` as a string of 1 (bar) and 0 (space) modules."""
    modules: str = Code128(data).build()[0]
    return modules


def render_label_svg(content: LabelContent) -> str:
    """Return an SVG label: identifier bar code and text, product, expiry, storage, statements."""
    parts = [_bars(code128_modules(content.identifier.barcode_data), 5, 5)]
    parts += _identifier_text(content.identifier, 5, 26)
    y = 38
    if isinstance(content.identifier, DonationIdentificationNumber):
        expiry_data = encode_expiration(content.expires_at, content.facility_zone)
        parts.append(_bars(code128_modules(expiry_data), 5, y))
        parts.append(_text(expiry_data, 5, y + BAR_HEIGHT_MM + 3, size=2.5, family="monospace"))
        y += BAR_HEIGHT_MM + 9
    lines = [
        content.product,
        *_expiry_lines(content.expires_at, content.facility_zone),
        f"Storage: {content.storage}",
        *content.statements,
    ]
    for line in lines:
        for piece in textwrap.wrap(line, TEXT_WIDTH_CHARACTERS):
            parts.append(_text(piece, 5, y, size=3.5))
            y += 5
        y += 1
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_MM}mm" height="{LABEL_MM}mm" '
        f'viewBox="0 0 {LABEL_MM} {LABEL_MM}">\n'
        f'<rect width="{LABEL_MM}" height="{LABEL_MM}" fill="white"/>\n{body}\n</svg>\n'
    )


def _bars(modules: str, x_mm: float, y_mm: float) -> str:
    x = x_mm + QUIET_ZONE_MODULES * MODULE_MM
    rects = []
    for position, module in enumerate(modules):
        if module == "1":
            left = x + position * MODULE_MM
            rects.append(
                f'<rect x="{left:.3f}" y="{y_mm}" width="{MODULE_MM}" height="{BAR_HEIGHT_MM}"/>'
            )
    return f'<g class="barcode" fill="black">{"".join(rects)}</g>'


def _identifier_text(identifier: UnitIdentifier, x_mm: float, y_mm: float) -> list[str]:
    if not isinstance(identifier, DonationIdentificationNumber):
        return [_text(identifier.eye_readable, x_mm, y_mm, size=5, family="monospace")]
    din = f"{identifier.fin} {identifier.year} {identifier.sequence}"
    # ST-001 7.4.1: K after the DIN inside a box; a monospace face keeps 0/O and 1/I apart.
    box_x = x_mm + len(din) * 3.1 + 1.5
    return [
        _text(din, x_mm, y_mm, size=5, family="monospace"),
        f'<rect class="check-character-box" x="{box_x:.2f}" y="{y_mm - 4.6}" width="4.6" '
        'height="5.8" fill="none" stroke="black" stroke-width="0.3"/>',
        _text(identifier.check_character, box_x + 0.8, y_mm, size=5, family="monospace"),
    ]


def _expiry_lines(expires_at: datetime, zone: ZoneInfo) -> list[str]:
    # FACT/JACIE: text expiry shows the local zone abbreviation, and UTC for shipped products.
    local = expires_at.astimezone(zone)
    utc = expires_at.astimezone(UTC)
    return [
        f"EXPIRES {local:%d %b %Y %H:%M} {local.tzname()}".upper(),
        f"({utc:%Y-%m-%d %H:%M} UTC)",
    ]


def _text(text: str, x_mm: float, y_mm: float, *, size: float, family: str = "sans-serif") -> str:
    return (
        f'<text x="{x_mm}" y="{y_mm}" font-family="{family}" font-size="{size}">'
        f"{escape(text)}</text>"
    )
