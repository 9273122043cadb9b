"""A small PDF writer for the progress report: text, lines, rectangles and markers on A4.

Why not matplotlib here: laying out a matplotlib axes (ticks, text extents, legend) costs
about 0.1 s per chart on this machine, so ten charts took 1-5 s. The report's charts are
simple line charts, and writing their PDF operators directly takes milliseconds. The text
uses the standard Helvetica fonts every PDF reader carries, so nothing is embedded or
downloaded, and the words stay searchable and copyable in the PDF.

Coordinates are PDF points (1/72 inch) from the bottom-left corner of the page.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass, field

A4_WIDTH, A4_HEIGHT = 595.28, 841.89
# Average advance width of Helvetica in em, rounded up, for wrapping and right-aligning
# text without font metrics; wrapping errs towards shorter lines.
AVERAGE_EM = 0.53

# Letters Helvetica's WinAnsi encoding lacks and NFKD does not reduce to one it has.
_FALLBACK = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H",
                           "ħ": "h", "↑": "^", "↓": "v", "−": "-", "–": "-", "—": "-",
                           "‑": "-"})


def winansi(text: str) -> bytes:
    """Encode text for the standard fonts: accents kept where WinAnsi has the letter, else
    the base letter (Ł -> L), else "?"; never raises on a patient's name."""
    out = bytearray()
    for char in text.translate(_FALLBACK):
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore")
            out += base or b"?"
    return bytes(out)


def _literal(text: str) -> bytes:
    escaped = winansi(text).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


def _rgb(colour: str) -> str:
    value = colour.lstrip("#")
    return " ".join(f"{int(value[i:i + 2], 16) / 255:.3f}" for i in (0, 2, 4))


def text_width(text: str, size: float) -> float:
    """Return the approximate width of text in points (see AVERAGE_EM)."""
    return len(text) * size * AVERAGE_EM


@dataclass
class Page:
    """One page's content stream, written operator by operator."""

    ops: list[bytes] = field(default_factory=list)

    def _op(self, text: str) -> None:
        self.ops.append(text.encode("ascii"))

    def text(self, x: float, y: float, text: str, *, size: float = 9, bold: bool = False,
             colour: str = "#1d2733", align: str = "left") -> None:
        if align == "right":
            x -= text_width(text, size)
        elif align == "center":
            x -= text_width(text, size) / 2
        font = "F2" if bold else "F1"
        self._op(f"BT /{font} {size:g} Tf {_rgb(colour)} rg {x:.2f} {y:.2f} Td ")
        self.ops.append(_literal(text) + b" Tj ET")

    def line(self, points: list[tuple[float, float]], *, colour: str = "#1d2733",
             width: float = 1.0, dash: tuple[float, ...] = ()) -> None:
        if len(points) < 2:
            return
        path = " ".join(f"{x:.2f} {y:.2f} {'m' if i == 0 else 'l'}"
                        for i, (x, y) in enumerate(points))
        pattern = " ".join(f"{d:g}" for d in dash)
        self._op(f"q {_rgb(colour)} RG {width:g} w [{pattern}] 0 d {path} S Q")

    def rect(self, x: float, y: float, width: float, height: float, *, fill: str) -> None:
        self._op(f"q {_rgb(fill)} rg {x:.2f} {y:.2f} {width:.2f} {height:.2f} re f Q")

    def dot(self, x: float, y: float, radius: float, *, colour: str) -> None:
        """A filled circle (four Bezier arcs; 0.5523 is the usual circle constant)."""
        k = 0.5523 * radius
        r = radius
        self._op(f"q {_rgb(colour)} rg {x + r:.2f} {y:.2f} m "
                 f"{x + r:.2f} {y + k:.2f} {x + k:.2f} {y + r:.2f} {x:.2f} {y + r:.2f} c "
                 f"{x - k:.2f} {y + r:.2f} {x - r:.2f} {y + k:.2f} {x - r:.2f} {y:.2f} c "
                 f"{x - r:.2f} {y - k:.2f} {x - k:.2f} {y - r:.2f} {x:.2f} {y - r:.2f} c "
                 f"{x + k:.2f} {y - r:.2f} {x + r:.2f} {y - k:.2f} {x + r:.2f} {y:.2f} c f Q")

    def triangle(self, x: float, y: float, size: float, *, colour: str) -> None:
        self._op(f"q {_rgb(colour)} rg {x - size / 2:.2f} {y:.2f} m {x + size / 2:.2f} "
                 f"{y:.2f} l {x:.2f} {y + size:.2f} l h f Q")

    def content(self) -> bytes:
        return b"\n".join(self.ops)


def _utf16_string(text: str) -> bytes:
    """A PDF text string any reader shows in full Unicode (document information)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def document(pages: list[Page], *, title: str, compress: bool = True) -> bytes:
    """Return the pages as one PDF file (PDF 1.4, Helvetica and Helvetica-Bold)."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page objects are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _utf16_string(title) + b" /Creator (orthoregen) >>",
    ]
    kids = []
    for page in pages:
        stream = page.content()
        if compress:
            stream = zlib.compress(stream, 6)
        flate = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), flate) + stream
                       + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                       b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
                       % (A4_WIDTH, A4_HEIGHT, len(objects)))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


__all__ = ["A4_HEIGHT", "A4_WIDTH", "Page", "document", "text_width", "winansi"]
