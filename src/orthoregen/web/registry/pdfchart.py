"""One measure of one joint over time, drawn straight into a PDF page with fpdf2.

The same chart as charts.draw_patient_measure (the HTML report's matplotlib version): the
scores as a line, the band of changes people usually do not notice around the first score
(MCID), the acceptable level (PASS) dashed, injections as vertical lines and adverse events
as triangles on the axis. Drawn as a few lines, rectangles and words in milliseconds,
instead of laying out a matplotlib axes (about 0.1 s per chart).

Coordinates are PDF points (1/72 inch) from the top-left corner of the page, as in fpdf2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from fpdf import FPDF

from orthoregen.web.registry.charts import BRAND, INK, MUTED, OK, WARN
from orthoregen.web.registry.measures import Measure

BAND = "#e6eef2"
GRID = "#e3e7eb"
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)
VALUE_STEPS = (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100)
LEGEND_HEIGHT = 42  # date labels, then up to two lines of keys


@dataclass(frozen=True)
class Box:
    """The plotting area in points: top-left corner, width and height."""

    x: float
    y: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _day(value: dt.date | str) -> int:
    """Return the day number of a date, a pandas Timestamp or an ISO date text."""
    return pd.Timestamp(value).toordinal()


def month_ticks(first: int, last: int, most: int = 7) -> list[dt.date]:
    """First days of months from `first` to `last` (ordinals), at most `most` of them."""
    start, end = dt.date.fromordinal(first), dt.date.fromordinal(last)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in MONTH_STEPS if months / s <= most), MONTH_STEPS[-1])
    index = start.year * 12 + start.month  # the first of the month after `start`
    ticks = []
    while (day := dt.date(index // 12, index % 12 + 1, 1)) <= end:
        if (index % 12) % step == 0 or step >= 12 and index % 12 == 0:
            ticks.append(day)
        index += 1
    return ticks


def value_ticks(low: float, high: float, most: int = 6) -> list[float]:
    span = high - low
    step = next((s for s in VALUE_STEPS if span / s <= most - 1), span / (most - 1))
    first = -(-low // step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def text(pdf: FPDF, x: float, y: float, words: str, *, size: float, colour: str = INK,
         bold: bool = False, align: str = "left") -> None:
    """Write `words` with its baseline at y, starting, ending or centred at x."""
    pdf.set_font(style="B" if bold else "", size=size)
    pdf.set_text_color(colour)
    if align != "left":
        width = pdf.get_string_width(words)
        x -= width if align == "right" else width / 2
    pdf.text(x, y, words)


def _line(pdf: FPDF, points: list[tuple[float, float]], *, colour: str, width: float = 1.0,
          dash: float = 0) -> None:
    if len(points) < 2:
        return
    pdf.set_draw_color(colour)
    pdf.set_line_width(width)
    pdf.set_dash_pattern(dash=dash, gap=dash / 2)
    pdf.polyline(points)


def draw_measure(pdf: FPDF, box: Box, measure: Measure, scores: pd.DataFrame,
                 injections: list, events: list, baseline: float | None) -> None:
    """Draw the chart in `box`, its date axis and legend underneath (LEGEND_HEIGHT)."""
    days = [_day(d) for d in scores["completed_on"]] + [_day(d) for d in injections] + \
           [_day(d) for d, _ in events]
    first, last = (min(days), max(days)) if days else (0, 1)
    pad = max((last - first) * 0.05, 15)
    x0, x1 = first - pad, last + pad
    low, high = measure.minimum, measure.maximum

    def px(day: int) -> float:
        return box.x + (day - x0) / (x1 - x0) * box.width

    def py(value: float) -> float:
        clipped = min(max(value, low), high)
        return box.bottom - (clipped - low) / (high - low) * box.height

    for value in value_ticks(low, high):
        _line(pdf, [(box.x, py(value)), (box.x + box.width, py(value))], colour=GRID,
              width=0.5)
        text(pdf, box.x - 4, py(value) + 2.5, f"{value:g}", size=7, colour=MUTED,
             align="right")
    if baseline is not None and measure.improvement is not None:
        width = abs(measure.improvement)
        top, bottom = py(baseline + width), py(baseline - width)
        pdf.set_fill_color(BAND)
        pdf.rect(box.x, top, box.width, bottom - top, style="F")
    if measure.acceptable is not None:
        y = py(measure.acceptable)
        _line(pdf, [(box.x, y), (box.x + box.width, y)], colour=OK, dash=4)
    for day in injections:
        _line(pdf, [(px(_day(day)), box.y), (px(_day(day)), box.bottom)], colour=INK)
    points = [(px(_day(d)), py(float(v)))
              for d, v in zip(scores["completed_on"], scores["value"], strict=True)
              if pd.notna(v)]
    _line(pdf, points, colour=BRAND, width=1.5)
    pdf.set_fill_color(BRAND)
    for x, y in points:
        pdf.circle(x, y, 2.6, style="F")
    for day, label in events:
        x = px(_day(day))
        pdf.set_fill_color(WARN)
        pdf.polygon([(x - 3.5, box.bottom), (x + 3.5, box.bottom), (x, box.bottom - 7)],
                    style="F")
        text(pdf, x + 5, box.bottom - 5, label, size=6.5, colour=WARN)
    _line(pdf, [(box.x, box.y), (box.x, box.bottom), (box.x + box.width, box.bottom)],
          colour=MUTED, width=0.8)
    for tick in month_ticks(first - int(pad), last + int(pad)):
        x = px(tick.toordinal())
        _line(pdf, [(x, box.bottom), (x, box.bottom + 3)], colour=MUTED, width=0.8)
        text(pdf, x, box.bottom + 12, f"{tick:%b %Y}", size=7, colour=MUTED, align="center")
    arrow = "up" if measure.higher_is_better else "down"
    text(pdf, box.x + box.width, box.y - 6, f"better is {arrow}", size=7, colour=MUTED,
         align="right")
    _legend(pdf, box, has_band=baseline is not None and measure.improvement is not None,
            has_pass=measure.acceptable is not None, has_events=bool(events))


def _legend(pdf: FPDF, box: Box, *, has_band: bool, has_pass: bool, has_events: bool) -> None:
    """One or two lines of coloured keys under the axis (LEGEND_HEIGHT points)."""
    x, y = box.x, box.bottom + 22
    entries = [("your scores", BRAND), ("injection", INK)]
    if has_band:
        entries.append(("changes inside the band are often not noticed (MCID)", BAND))
    if has_pass:
        entries.append(("level many people find acceptable (PASS)", OK))
    if has_events:
        entries.append(("side effect or event", WARN))
    pdf.set_font(style="", size=6.5)
    for label, colour in entries:
        width = pdf.get_string_width(label)
        if x + 13 + width > box.x + box.width:
            x, y = box.x, y + 10
        pdf.set_fill_color(colour)
        pdf.rect(x, y, 10, 4, style="F")
        text(pdf, x + 13, y + 5, label, size=6.5, colour=MUTED)
        x += 22 + width


__all__ = ["LEGEND_HEIGHT", "Box", "draw_measure", "month_ticks", "text", "value_ticks"]
