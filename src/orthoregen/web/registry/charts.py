"""Server-rendered charts (matplotlib, Agg backend): they print and work with no internet.

Each function returns a matplotlib Figure; `svg_uri` turns one into an <img> source (the
page's CSP allows data: images, and an image cannot run script), `pdf_pages` writes several
into one PDF. Small samples are drawn without interval bars and labelled as too few, so a
thin cohort never looks like a confident result (analytics.thin).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
from django.utils.translation import gettext as _

matplotlib.use("Agg")

import matplotlib.dates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from orthoregen.evidence.pooling import Pooled  # noqa: E402
from orthoregen.web.registry.measures import TIMEPOINT_LABELS, TIMEPOINT_MONTHS  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from orthoregen.analytics.patients_like_you import TimepointOutcome
    from orthoregen.analytics.survival import KaplanMeier
    from orthoregen.evidence.benchmarks import ReferenceBand
    from orthoregen.web.registry.cohort import EvidenceRow
    from orthoregen.web.registry.measures import Measure

INK, MUTED, BRAND, WARN, OK = "#1d2733", "#6b7785", "#0b6e8e", "#b3261e", "#2e7d32"
matplotlib.rcParams.update({"font.size": 9, "svg.fonttype": "none", "axes.edgecolor": MUTED,
                            "axes.spines.top": False, "axes.spines.right": False})


def svg_uri(figure: Figure) -> str:
    """Return the figure as a base64 data: URI of an SVG image."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _months(timepoints: Iterable[Any]) -> np.ndarray:
    return np.array([TIMEPOINT_MONTHS.get(t, np.nan) for t in timepoints], dtype=float)


def change_chart(change: pd.DataFrame, measure: Measure) -> Figure:
    """Mean change from baseline per time point with 95 % CIs; thin points hollow, no bars."""
    figure = Figure(figsize=(6.4, 3.2))
    ax = figure.add_subplot()
    ax.axhline(0, color=MUTED, linewidth=0.8)
    if measure.improvement is not None:
        sign = 1 if measure.higher_is_better else -1
        ax.axhline(sign * abs(measure.improvement), color=OK, linestyle=":", linewidth=1,
                   label=_("minimal important improvement (%(value)s)")
                   % {"value": f"{abs(measure.improvement):g}"})
    solid = change[~change["too_thin"]]
    thin = change[change["too_thin"]]
    x = _months(solid["timepoint"])
    ax.errorbar(x, solid["mean_change"], yerr=[solid["mean_change"] - solid["ci_low"],
                                              solid["ci_high"] - solid["mean_change"]],
                fmt="o-", color=BRAND, capsize=3, label=_("mean change, 95 % CI"))
    if not thin.empty:
        ax.plot(_months(thin["timepoint"]), thin["mean_change"], "o", mfc="white", color=MUTED,
                label=_("too few patients to conclude"))
    for _index, row in change.iterrows():
        ax.annotate(f"n={row['n_paired']}", (TIMEPOINT_MONTHS.get(row["timepoint"], 0),
                                             row["mean_change"]),
                    textcoords="offset points", xytext=(4, 6), fontsize=7, color=MUTED)
    ax.set_xlabel(_("months after first injection"))
    better = "up" if measure.higher_is_better else "down"
    ax.set_ylabel(f"change from baseline\n(better is {better})")
    ax.set_title(measure.name, loc="left", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    return figure


def survival_chart(curve: KaplanMeier, at_risk: pd.DataFrame) -> Figure:
    """Kaplan-Meier survival free of joint replacement with its CI and numbers at risk."""
    figure = Figure(figsize=(6.4, 3.4))
    ax = figure.add_subplot()
    table = curve.table
    times = np.concatenate([[0.0], table["time"].to_numpy()])
    surv = np.concatenate([[1.0], table["survival"].to_numpy()])
    low = np.concatenate([[1.0], table["ci_low"].to_numpy()])
    high = np.concatenate([[1.0], table["ci_high"].to_numpy()])
    end = max(at_risk["time"].max(), times.max())
    times, surv = np.append(times, end), np.append(surv, surv[-1])
    low, high = np.append(low, low[-1]), np.append(high, high[-1])
    ax.step(times, surv, where="post", color=BRAND, label=_("free of joint replacement"))
    if not curve.too_thin:
        ax.fill_between(times, low, high, step="post", color=BRAND, alpha=0.15,
                        label=_("95 % CI (log, Greenwood)"))
    ax.set_ylim(max(0.0, float(np.nanmin(low)) - 0.05) if len(low) else 0, 1.02)
    ax.set_xlim(0, end)
    ax.set_ylabel(_("proportion without\njoint replacement"))
    ax.set_xlabel(_("months after first injection"))
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    for t, n in zip(at_risk["time"], at_risk["n_risk"], strict=True):
        ax.annotate(str(n), (t, 0), xycoords=("data", "axes fraction"), xytext=(0, -48),
                    textcoords="offset points", ha="center", fontsize=7, color=MUTED)
    ax.annotate(_("at risk"), (0, 0), xycoords="axes fraction", xytext=(-14, -48),
                textcoords="offset points", ha="right", fontsize=7, color=MUTED)
    return figure


def evidence_chart(rows: Sequence[EvidenceRow]) -> Figure:
    """The clinic's change at 6 and 12 months beside pooled MSC and placebo arms (one chart)."""
    lines = []
    for row in rows:
        c = row.clinic
        if c is not None:
            thin = bool(c["too_thin"])
            lines.append((f"This clinic, {row.months} mo (n={c['n_paired']})",
                          c["mean_change"], c["ci_low"], c["ci_high"], BRAND, thin))
        for pooled, label, colour in ((row.comparison.msc, "Pooled MSC arms", INK),
                                      (row.comparison.placebo, "Pooled placebo arms", WARN)):
            if isinstance(pooled, Pooled):
                lines.append((f"{label}, {row.months} mo (k={pooled.k})", pooled.estimate,
                              pooled.ci_low, pooled.ci_high, colour, False))
            else:
                lines.append((f"{label}, {row.months} mo: {pooled.k} trial(s), too few to pool",
                              np.nan, np.nan, np.nan, colour, True))
        for study, arm, estimate in row.single_arms:
            colour = WARN if arm == "placebo" else INK
            lines.append((f"{study}, {arm} arm, {row.months} mo (no CI, not pooled)", estimate,
                          np.nan, np.nan, colour, True))
        for pool in row.saline_changes:
            converted = f", {pool.rescaled_from}" if pool.rescaled_from else ""
            lines.append((f"Saline arms, {pool.id} ({row.months} mo{converted})",
                          pool.estimate, pool.ci_low, pool.ci_high, WARN, pool.ci_low is None))
    figure = Figure(figsize=(6.8, 0.42 * max(len(lines), 3) + 0.9))
    ax = figure.add_subplot()
    y = np.arange(len(lines))[::-1]
    for yi, (_label, est, low, high, colour, thin) in zip(y, lines, strict=True):
        if np.isnan(est):
            continue
        if not thin and not (low is None or np.isnan(low)):
            ax.plot([low, high], [yi, yi], color=colour, linewidth=2)
        ax.plot([est], [yi], "o", color=colour, mfc="white" if thin else colour)
    ax.axvline(0, color=MUTED, linewidth=0.8)
    ax.set_yticks(y, [line[0] for line in lines], fontsize=8)
    scale = rows[0].scale if rows else ""
    ax.set_xlabel(f"change from baseline ({rows[0].measure.name if rows else ''}, {scale})")
    return figure


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


def reference_band_chart(clinic: Sequence[tuple[int, pd.Series]],
                         bands: Iterable[ReferenceBand], measure: Measure,
                         scale: str) -> Figure:
    """The clinic's mean change (95 % CI) at 6 and 12 months beside published saline bands.

    `clinic`: (months, change row) pairs; `bands`: evidence.benchmarks.ReferenceBand values
    on the same scale, drawn as shaded spans over the months they describe (up to 6 months,
    or at 12 months) with their estimate as a dashed line.
    """
    figure = Figure(figsize=(6.8, 3.4))
    ax = figure.add_subplot()
    ax.axhline(0, color=MUTED, linewidth=0.8)
    for band in bands:
        start, end = (0.0, band.timepoint_months) if band.timepoint_text.startswith("up to") \
            else (band.timepoint_months - 1.0, band.timepoint_months + 1.0)
        if band.ci_low is not None and band.ci_high is not None:
            ax.fill_between([start, end], band.ci_low, band.ci_high, color=WARN, alpha=0.13,
                            linewidth=0)
        converted = " (converted)" if band.converted_from else ""
        ax.plot([start, end], [band.estimate] * 2, color=WARN, linestyle="--", linewidth=1.2,
                label=f"{band.label}, {band.timepoint_text}{converted}")
    for months, row in clinic:
        thin = bool(row["too_thin"])
        if not thin:
            ax.errorbar([months], [row["mean_change"]],
                        yerr=[[row["mean_change"] - row["ci_low"]],
                              [row["ci_high"] - row["mean_change"]]],
                        fmt="o", color=BRAND, capsize=3)
        else:
            ax.plot([months], [row["mean_change"]], "o", mfc="white", color=MUTED)
        ax.annotate(f"clinic n={row['n_paired']}" + (" (too few)" if thin else ""),
                    (months, row["mean_change"]), textcoords="offset points", xytext=(6, 4),
                    fontsize=7, color=BRAND)
    ax.plot([], [], "o", color=BRAND, label=_("this clinic, mean change, 95 % CI"))
    ax.set_xlim(-0.5, 14)
    ax.set_xticks([0, 3, 6, 12])
    ax.set_xlabel(_("months after first injection"))
    better = "up" if measure.higher_is_better else "down"
    ax.set_ylabel(f"change from baseline\n({scale}; better is {better})")
    ax.set_title(measure.name, loc="left", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return figure


__all__ = ["TIMEPOINT_LABELS", "change_chart", "change_spread_chart", "draw_patient_measure",
           "evidence_chart", "patient_chart", "reference_band_chart", "survival_chart", "svg_uri"]
