"""Server-rendered charts (matplotlib, Agg backend): they print and work with no internet.

The cohort dashboard's charts are written as SVG text instead (svgchart.py, for speed).

Each function returns a matplotlib Figure; `svg_uri` turns one into an <img> source (the
page's CSP allows data: images, and an image cannot run script), `pdf_pages` writes several
into one PDF. Small samples are drawn without interval bars and labelled as too few, so a
thin cohort never looks like a confident result (analytics.thin).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
from django.utils.translation import gettext as _

matplotlib.use("Agg")

import matplotlib.dates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from orthoregen.web.registry.measures import TIMEPOINT_LABELS  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orthoregen.analytics.patients_like_you import TimepointOutcome
    from orthoregen.web.registry.measures import Measure

INK, MUTED, BRAND, WARN, OK = "#1d2733", "#6b7785", "#0b6e8e", "#b3261e", "#2e7d32"
matplotlib.rcParams.update({"font.size": 9, "svg.fonttype": "none", "axes.edgecolor": MUTED,
                            "axes.spines.top": False, "axes.spines.right": False})


def svg_uri(figure: Figure) -> str:
    """Return the figure as a base64 data: URI of an SVG image."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def draw_patient_measure(ax: Axes, measure: Measure, scores: pd.DataFrame, injections: list,
                         events: list, baseline: float | None) -> None:
    """Draw one measure of one joint over time, with the MCID band, PASS line and events.

    scores: completed_on, value; injections: dates; events: (date, short label) pairs.
    """
    ax.set_ylim(measure.minimum, measure.maximum)
    if baseline is not None and measure.improvement is not None:
        width = abs(measure.improvement)
        ax.axhspan(baseline - width, baseline + width, color="#e6eef2", zorder=0,
                   label=_("changes inside this band are often not noticed (MCID)"))
    if measure.acceptable is not None:
        ax.axhline(measure.acceptable, color=OK, linestyle="--", linewidth=1,
                   label=_("level many people find acceptable (PASS)"))
    ax.plot(scores["completed_on"], scores["value"], "o-", color=BRAND, label=_("your scores"))
    for i, day in enumerate(injections):
        ax.axvline(day, color=INK, linewidth=1, label=_("injection") if i == 0 else None)
    for i, (day, text) in enumerate(events):
        ax.plot([day], [measure.minimum], "^", color=WARN, markersize=8, clip_on=False,
                label=_("side effect or event") if i == 0 else None)
        ax.annotate(text, (day, measure.minimum), xytext=(4, 6), textcoords="offset points",
                    fontsize=7, color=WARN)
    ax.set_ylabel(_("better ↑") if measure.higher_is_better else _("better ↓"))
    ax.set_title(f"{measure.name}\n(scale {measure.minimum:g} to {measure.maximum:g})",
                 loc="left", fontsize=9)
    # Month names with the year once per year: "Feb 2026" on every tick ran together.
    locator = matplotlib.dates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14),
              ncol=2)


def patient_chart(measure: Measure, scores: pd.DataFrame, injections: list, events: list,
                  baseline: float | None) -> Figure:
    """Return `draw_patient_measure` as a figure of its own (for the HTML report)."""
    figure = Figure(figsize=(5.6, 3.3))
    draw_patient_measure(figure.add_subplot(), measure, scores, injections, events, baseline)
    return figure


def change_spread_chart(outcomes: Sequence[TimepointOutcome], measure: Measure) -> Figure:
    """The spread of change at each follow-up visit as centile bars; no mean, no fitted line.

    `outcomes`: TimepointOutcome values (analytics.patients_like_you) whose centiles are
    shown; thin ones are left out by the caller. Thin line 10th-90th centile, box 25th-75th,
    tick at the median, so the spread reads before any single value.
    """
    figure = Figure(figsize=(6.4, 0.8 * max(len(outcomes), 2) + 0.9))
    ax = figure.add_subplot()
    y = np.arange(len(outcomes))[::-1]
    for yi, outcome in zip(y, outcomes, strict=True):
        c = outcome.change
        assert c is not None, "the caller leaves out thin outcomes, whose centiles are withheld"
        ax.plot([c.p10, c.p90], [yi, yi], color=MUTED, linewidth=1.5)
        ax.barh(yi, c.p75 - c.p25, left=c.p25, height=0.35, color=BRAND, alpha=0.35,
                edgecolor=BRAND)
        ax.plot([c.median, c.median], [yi - 0.2, yi + 0.2], color=INK, linewidth=2.5)
    ax.axvline(0, color=MUTED, linewidth=0.8)
    if measure.improvement is not None:
        sign = 1 if measure.higher_is_better else -1
        ax.axvline(sign * abs(measure.improvement), color=OK, linestyle=":", linewidth=1.2,
                   label=_("minimal important improvement (%(value)s)")
                   % {"value": f"{abs(measure.improvement):g}"})
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.32))
    ax.set_yticks(y, [f"{o.months} months (n={o.n_with_data})" for o in outcomes])
    ax.set_ylim(-0.7, len(outcomes) - 0.3)
    better = "right" if measure.higher_is_better else "left"
    ax.set_xlabel(f"change from before treatment, {measure.name} (better is to the {better})")
    return figure



__all__ = ["TIMEPOINT_LABELS", "change_spread_chart", "draw_patient_measure", "patient_chart",
           "svg_uri"]
