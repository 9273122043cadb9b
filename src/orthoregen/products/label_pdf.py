"""Printable PDF (and PNG) of a product label, drawn from the same layout as the SVG.

matplotlib, already a dependency for the analytics plots, writes both without a display and
embeds its DejaVu fonts, which have the biohazard symbol and keep 0/O and 1/I apart in their
monospace face (ICCBBA ST-001 v6.2.2 7.4, 7.5.1.1). Bars are drawn unsmoothed at their exact
module widths, so the PNG decodes as the PDF prints.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from orthoregen.products.label_layout import LABEL_MM, Bars, Box, Element, Text, layout_label
from orthoregen.products.labels import LabelContent

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MM_PER_INCH = 25.4
POINTS_PER_MM = 72 / MM_PER_INCH


def render_label_pdf(content: LabelContent) -> bytes:
    """Return the label as a one-page PDF, 100 mm x 100 mm, fonts embedded."""
    return _draw(content, "pdf", dpi=72)


def render_label_png(content: LabelContent, *, dpi: int = 600) -> bytes:
    """Return the label as a PNG at `dpi` (600 dpi draws a 0.25 mm module as 6 pixels)."""
    return _draw(content, "png", dpi=dpi)


def _draw(content: LabelContent, form: str, *, dpi: int) -> bytes:
    # Imported here: the core's other users (scoring, the status machine) need no plotting.
    import matplotlib
    from matplotlib.figure import Figure

    elements = layout_label(content)
    side_inches = LABEL_MM / MM_PER_INCH
    # Type 42 embeds TrueType outlines, so the PDF's text stays text and prints sharply.
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}):
        figure = Figure(figsize=(side_inches, side_inches), dpi=dpi)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, LABEL_MM)
        axes.set_ylim(LABEL_MM, 0)
        axes.set_axis_off()
        for element in elements:
            _paint(axes, element)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=form, dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _paint(axes: Axes, element: Element) -> None:
    from matplotlib.patches import Rectangle

    match element:
        case Bars():
            for left, width in element.runs():
                bar = Rectangle((left, element.y_mm), width, element.height_mm)
                bar.set(facecolor="black", edgecolor="none", linewidth=0, antialiased=False)
                axes.add_patch(bar)
        case Box():
            box = Rectangle((element.x_mm, element.y_mm), element.width_mm, element.height_mm)
            box.set(facecolor="none", edgecolor="black", linewidth=0.3 * POINTS_PER_MM)
            axes.add_patch(box)
        case Text():
            axes.text(
                element.x_mm,
                element.y_mm,
                element.text,
                fontsize=element.size_mm * POINTS_PER_MM,
                family="DejaVu Sans Mono" if element.monospace else "DejaVu Sans",
                weight="bold" if element.bold else "normal",
                va="baseline",
                ha="left",
            )
