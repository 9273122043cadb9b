"""The cohort dashboard's four charts, written straight as SVG text.

The same charts the dashboard drew with matplotlib (change from baseline, survival free
of joint replacement, the clinic beside the published trials, the published reference
bands), written as a few lines, circles, rectangles and words. Laying out a matplotlib
figure and finding its tight box cost about 0.1 s per chart even on a quiet machine, as
much as the database's whole scan of the score table; this takes about a millisecond. As
before, thin results are hollow points without interval bars, so a small sample never
looks like a confident result (analytics.thin).

Coordinates are SVG pixels from the top-left corner; `Plot` maps data to them.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.utils.translation import gettext as _

from orthoregen.evidence.pooling import Pooled
from orthoregen.web.registry.charts import BRAND, INK, MUTED, OK, WARN
from orthoregen.web.registry.measures import TIMEPOINT_MONTHS

if TYPE_CHECKING:
    from orthoregen.analytics.survival import KaplanMeier
    from orthoregen.evidence.benchmarks import ReferenceBand
    from orthoregen.web.registry.cohort import EvidenceRow
    from orthoregen.web.registry.measures import Measure

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
VALUE_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200,
               500, 1000)
CHAR_WIDTH = 0.56  # average width of a character of this font, in font sizes (for margins)


def uri(svg: str) -> str:
    """Return SVG text as a base64 data: URI for an <img> (the page's CSP allows data:)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Return round tick values from low to high, at most `most` of them."""
    span = high - low
    if not span > 0:
        return [low]
    step = next((s for s in VALUE_STEPS if span / s <= most - 1), span / (most - 1))
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _finite(values: Iterable[Any]) -> list[float]:
    out = []
    for v in values:
        if v is None:
            continue
        number = float(v)
        if math.isfinite(number):
            out.append(number)
    return out


def text_width(words: str, size: float) -> float:
    """Return an estimate of the width of `words` in pixels at `size` (for margins)."""
    return len(words) * size * CHAR_WIDTH


@dataclass
class Plot:
    """An SVG canvas with one plotting area and linear axes."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    parts: list[str] = field(default_factory=list)

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / ((high - low) or 1) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / ((high - low) or 1) * (self.bottom - self.top)

    def line(self, points: Sequence[tuple[float, float]], *, colour: str, width: float = 1.0,
             dash: str = "") -> None:
        """Draw a polyline through pixel points."""
        if len(points) < 2:
            return
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        style = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                          f'stroke-width="{width}"{style}/>')

    def circle(self, x: float, y: float, *, colour: str, hollow: bool = False,
               radius: float = 3.5) -> None:
        fill = "white" if hollow else colour
        self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" '
                          f'stroke="{colour}" stroke-width="1.2"/>')

    def rect(self, x: float, y: float, width: float, height: float, *, colour: str,
             opacity: float = 1.0) -> None:
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" '
                          f'height="{max(height, 0):.1f}" fill="{colour}" '
                          f'fill-opacity="{opacity}"/>')

    def polygon(self, points: Sequence[tuple[float, float]], *, colour: str,
                opacity: float) -> None:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.parts.append(f'<polygon points="{path}" fill="{colour}" fill-opacity="{opacity}" '
                          'stroke="none"/>')

    def text(self, x: float, y: float, words: str, *, size: float = 9, colour: str = INK,
             anchor: str = "start", rotate: bool = False, bold: bool = False) -> None:
        """Write `words` with its baseline at y (rotated a quarter turn for a y label)."""
        extra = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
                          f'text-anchor="{anchor}"{weight}{extra}>{escape(words)}</text>')

    def hline(self, value: float, *, colour: str, width: float = 1.0, dash: str = "") -> None:
        self.line([(self.left, self.y(value)), (self.right, self.y(value))], colour=colour,
                  width=width, dash=dash)

    def axes(self, *, x_ticks: Iterable[float], y_ticks: Iterable[float] | None = None,
             x_label: str = "", y_label: Sequence[str] = ()) -> None:
        """Draw the left and bottom axis lines with their ticks and labels."""
        self.line([(self.left, self.top), (self.left, self.bottom), (self.right, self.bottom)],
                  colour=MUTED, width=0.8)
        for value in x_ticks:
            x = self.x(value)
            self.line([(x, self.bottom), (x, self.bottom + 4)], colour=MUTED, width=0.8)
            self.text(x, self.bottom + 15, f"{value:g}", colour=INK, anchor="middle")
        for value in y_ticks or ():
            y = self.y(value)
            self.line([(self.left - 4, y), (self.left, y)], colour=MUTED, width=0.8)
            self.text(self.left - 6, y + 3, f"{value:g}", anchor="end")
        if x_label:
            self.text((self.left + self.right) / 2, self.bottom + 31, x_label,
                      anchor="middle")
        for i, words in enumerate(y_label):
            self.text(14 + 12 * i, (self.top + self.bottom) / 2, words, anchor="middle",
                      rotate=True)

    def legend(self, entries: Sequence[tuple[str, str, str]], x: float, y: float) -> None:
        """Draw keys (label, colour, kind: line, dots, dash, point, hollow, band) downwards."""
        for i, (label, colour, kind) in enumerate(entries):
            row = y + 13 * i
            if kind == "band":
                self.rect(x, row - 7, 18, 8, colour=colour, opacity=0.2)
            elif kind in ("point", "hollow"):
                self.circle(x + 9, row - 3, colour=colour, hollow=kind == "hollow", radius=3)
            else:
                dash = {"dots": "1.5,2.5", "dash": "5,3"}.get(kind, "")
                self.line([(x, row - 3), (x + 18, row - 3)], colour=colour, width=1.2,
                          dash=dash)
            self.text(x + 24, row, label, size=7.5, colour=INK)

    def svg(self, title: str = "") -> str:
        """Return the whole SVG document (its <title> is read out with the image)."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
                f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
                f'font-family="{FONT}">')
        named = f"<title>{escape(title)}</title>" if title else ""
        return head + named + "".join(self.parts) + "</svg>"


def _padded(values: list[float], *, low: float | None = None,
            high: float | None = None) -> tuple[float, float]:
    """Return a y range around the values with a 5 % margin (and fixed ends if given)."""
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.05
    return (lo - pad if low is None else low), (hi + pad if high is None else high)


def change_chart(change: pd.DataFrame, measure: Measure) -> str:
    """Mean change from baseline per time point with 95 % CIs; thin points hollow, no bars."""
    months = [TIMEPOINT_MONTHS.get(t, math.nan) for t in change["timepoint"]]
    rows = [(m, row) for m, (_i, row) in zip(months, change.iterrows(), strict=True)
            if math.isfinite(m)]
    solid = [(m, r) for m, r in rows if not bool(r["too_thin"])]
    mcid = None
    if measure.improvement is not None:
        mcid = (1 if measure.higher_is_better else -1) * abs(measure.improvement)
    values = _finite([0.0, mcid] + [r["mean_change"] for _m, r in rows]
                     + [r[c] for _m, r in solid for c in ("ci_low", "ci_high")])
    x_high = max([m for m, _r in rows] + [12.0])
    plot = Plot(640, 320, left=72, top=30, right=440, bottom=270,
                x_range=(-x_high * 0.04, x_high * 1.06), y_range=_padded(values))
    plot.hline(0, colour=MUTED, width=0.8)
    legend = []
    if mcid is not None:
        plot.hline(mcid, colour=OK, dash="1.5,2.5")
        legend.append((_("minimal important improvement (%(value)s)")
                       % {"value": f"{abs(mcid):g}"}, OK, "dots"))
    for m, r in solid:
        low, high = _finite([r["ci_low"]]), _finite([r["ci_high"]])
        if low and high:
            x = plot.x(m)
            plot.line([(x, plot.y(low[0])), (x, plot.y(high[0]))], colour=BRAND)
            for end in (low[0], high[0]):
                plot.line([(x - 3, plot.y(end)), (x + 3, plot.y(end))], colour=BRAND)
    plot.line([(plot.x(m), plot.y(float(r["mean_change"]))) for m, r in solid
               if _finite([r["mean_change"]])], colour=BRAND, width=1.5)
    legend.append((_("mean change, 95 % CI"), BRAND, "point"))
    if len(solid) < len(rows):
        legend.append((_("too few patients to conclude"), MUTED, "hollow"))
    for m, r in rows:
        if not _finite([r["mean_change"]]):
            continue
        x, y = plot.x(m), plot.y(float(r["mean_change"]))
        thin = bool(r["too_thin"])
        plot.circle(x, y, colour=MUTED if thin else BRAND, hollow=thin)
        plot.text(x + 5, y - 7, f"n={r['n_paired']}", size=7, colour=MUTED)
    better = "up" if measure.higher_is_better else "down"
    plot.axes(x_ticks=[t for t in (0, 3, 6, 12, 24, 36) if t <= x_high],
              y_ticks=ticks(*plot.y_range), x_label=_("months after first injection"),
              y_label=("change from baseline", f"(better is {better})"))
    plot.text(plot.left, 18, measure.name, size=10, colour=INK)
    plot.legend(legend, plot.right + 14, plot.top + 10)
    return plot.svg(measure.name)


def survival_chart(curve: KaplanMeier, at_risk: pd.DataFrame) -> str:
    """Kaplan-Meier survival free of joint replacement with its CI and numbers at risk."""
    table = curve.table
    times = [0.0, *table["time"].astype(float)]
    surv = [1.0, *table["survival"].astype(float)]
    low = [1.0, *table["ci_low"].astype(float)]
    high = [1.0, *table["ci_high"].astype(float)]
    end = max(_finite([*at_risk["time"], *times]) or [1.0]) or 1.0
    times, surv, low, high = [*times, end], [*surv, surv[-1]], [*low, low[-1]], [*high, high[-1]]
    floor = _finite(low)
    y_low = max(0.0, min(floor) - 0.05) if floor else 0.0
    plot = Plot(640, 340, left=72, top=14, right=620, bottom=250, x_range=(0, end),
                y_range=(y_low, 1.02))

    def steps(values: list[float]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for i, (t, v) in enumerate(zip(times, values, strict=True)):
            if i:
                points.append((plot.x(t), points[-1][1]))
            points.append((plot.x(t), plot.y(v)))
        return points

    legend = [(_("free of joint replacement"), BRAND, "line")]
    if not curve.too_thin:
        upper, lower = steps(high), steps(low)
        finite = [(x, y) for x, y in [*upper, *reversed(lower)] if math.isfinite(y)]
        plot.polygon(finite, colour=BRAND, opacity=0.15)
        legend.append((_("95 % CI (log, Greenwood)"), BRAND, "band"))
    plot.line(steps(surv), colour=BRAND, width=1.5)
    plot.axes(x_ticks=ticks(0, end), y_ticks=ticks(y_low, 1.0),
              x_label=_("months after first injection"),
              y_label=(_("proportion without"), _("joint replacement")))
    row = plot.bottom + 56
    plot.text(plot.left - 14, row, _("at risk"), size=7, colour=MUTED, anchor="end")
    for t, n in zip(at_risk["time"], at_risk["n_risk"], strict=True):
        plot.text(plot.x(float(t)), row, str(n), size=7, colour=MUTED, anchor="middle")
    plot.legend(legend, plot.left + 10, plot.bottom - 22)
    return plot.svg(_("free of joint replacement"))


Line = tuple[str, float, float, float, str, bool]


def _evidence_lines(rows: Sequence[EvidenceRow]) -> list[Line]:
    """Return (label, estimate, low, high, colour, thin) per line of the evidence chart."""
    lines: list[Line] = []
    for row in rows:
        c = row.clinic
        if c is not None:
            lines.append((f"This clinic, {row.months} mo (n={c['n_paired']})",
                          c["mean_change"], c["ci_low"], c["ci_high"], BRAND,
                          bool(c["too_thin"])))
        for pooled, label, colour in ((row.comparison.msc, "Pooled MSC arms", INK),
                                      (row.comparison.placebo, "Pooled placebo arms", WARN)):
            if isinstance(pooled, Pooled):
                lines.append((f"{label}, {row.months} mo (k={pooled.k})", pooled.estimate,
                              pooled.ci_low, pooled.ci_high, colour, False))
            else:
                lines.append((f"{label}, {row.months} mo: {pooled.k} trial(s), too few to pool",
                              math.nan, math.nan, math.nan, colour, True))
        for study, arm, estimate in row.single_arms:
            lines.append((f"{study}, {arm} arm, {row.months} mo (no CI, not pooled)", estimate,
                          math.nan, math.nan, WARN if arm == "placebo" else INK, True))
        for pool in row.saline_changes:
            converted = f", {pool.rescaled_from}" if pool.rescaled_from else ""
            lines.append((f"Saline arms, {pool.id} ({row.months} mo{converted})",
                          pool.estimate, *(math.nan if v is None else v
                                           for v in (pool.ci_low, pool.ci_high)),
                          WARN, pool.ci_low is None))
    return lines


def evidence_chart(rows: Sequence[EvidenceRow]) -> str:
    """The clinic's change at 6 and 12 months beside pooled MSC and placebo arms (one chart)."""
    lines = _evidence_lines(rows)
    label_width = max([text_width(line[0], 8) for line in lines] + [60])
    left = label_width + 16
    height = 34 * max(len(lines), 3) + 66
    scale = rows[0].scale if rows else ""
    name = rows[0].measure.name if rows else ""
    x_label = f"change from baseline ({name}, {scale})"
    # The axis label is centred under the plot and may be wider than it.
    width = max(left + 300, left + 143 + text_width(x_label, 9) / 2 + 8)
    values = _finite([0.0] + [v for line in lines for v in line[1:4]])
    plot = Plot(width, height, left=left, top=12, right=left + 286, bottom=height - 46,
                x_range=_padded(values), y_range=(-0.7, max(len(lines), 1) - 0.3))
    plot.line([(plot.x(0), plot.top), (plot.x(0), plot.bottom)], colour=MUTED, width=0.8)
    for i, (label, estimate, low, high, colour, thin) in enumerate(lines):
        y = plot.y(len(lines) - 1 - i)
        plot.text(left - 8, y + 3, label, size=8, anchor="end")
        if not _finite([estimate]):
            continue
        if not thin and _finite([low, high]) and len(_finite([low, high])) == 2:
            plot.line([(plot.x(float(low)), y), (plot.x(float(high)), y)], colour=colour,
                      width=2)
        plot.circle(plot.x(float(estimate)), y, colour=colour, hollow=thin)
    plot.axes(x_ticks=ticks(*plot.x_range), x_label=x_label)
    return plot.svg(x_label)


def reference_band_chart(clinic: Sequence[tuple[int, pd.Series]],
                         bands: Iterable[ReferenceBand], measure: Measure,
                         scale: str) -> str:
    """The clinic's mean change (95 % CI) at 6 and 12 months beside published saline bands.

    `clinic`: (months, change row) pairs; `bands`: evidence.benchmarks.ReferenceBand values
    on the same scale, drawn as shaded spans over the months they describe (up to 6 months,
    or at 12 months) with their estimate as a dashed line.
    """
    bands = list(bands)
    values = _finite([0.0] + [v for b in bands for v in (b.estimate, b.ci_low, b.ci_high)]
                     + [r[c] for _m, r in clinic for c in ("mean_change", "ci_low", "ci_high")])
    legend = [(_("this clinic, mean change, 95 % CI"), BRAND, "point")]
    legend += [(f"{b.label}, {b.timepoint_text}" + (" (converted)" if b.converted_from else ""),
                WARN, "dash") for b in bands]
    height = 290 + 13 * len(legend)
    plot = Plot(680, height, left=72, top=30, right=660, bottom=240, x_range=(-0.5, 14),
                y_range=_padded(values))
    plot.hline(0, colour=MUTED, width=0.8)
    for band in bands:
        start, end = (0.0, band.timepoint_months) if band.timepoint_text.startswith("up to") \
            else (band.timepoint_months - 1.0, band.timepoint_months + 1.0)
        if band.ci_low is not None and band.ci_high is not None:
            top, bottom = plot.y(band.ci_high), plot.y(band.ci_low)
            plot.rect(plot.x(start), min(top, bottom), plot.x(end) - plot.x(start),
                      abs(bottom - top), colour=WARN, opacity=0.13)
        y = plot.y(band.estimate)
        plot.line([(plot.x(start), y), (plot.x(end), y)], colour=WARN, width=1.2, dash="5,3")
    for months, row in clinic:
        thin = bool(row["too_thin"])
        estimate = _finite([row["mean_change"]])
        if not estimate:
            continue
        x, y = plot.x(months), plot.y(estimate[0])
        ends = _finite([row["ci_low"], row["ci_high"]])
        if not thin and len(ends) == 2:
            plot.line([(x, plot.y(ends[0])), (x, plot.y(ends[1]))], colour=BRAND)
            for end_value in ends:
                plot.line([(x - 3, plot.y(end_value)), (x + 3, plot.y(end_value))],
                          colour=BRAND)
        plot.circle(x, y, colour=MUTED if thin else BRAND, hollow=thin)
        plot.text(x + 6, y - 4, f"clinic n={row['n_paired']}" + (" (too few)" if thin else ""),
                  size=7, colour=BRAND)
    better = "up" if measure.higher_is_better else "down"
    plot.axes(x_ticks=[0, 3, 6, 12], y_ticks=ticks(*plot.y_range),
              x_label=_("months after first injection"),
              y_label=("change from baseline", f"({scale}; better is {better})"))
    plot.text(plot.left, 18, measure.name, size=10)
    plot.legend(legend, plot.left + 40, plot.bottom + 52)
    return plot.svg(measure.name)


__all__ = ["Plot", "change_chart", "evidence_chart", "reference_band_chart", "survival_chart",
           "ticks", "uri"]
