"""A patient's progress report: every score of each treated joint over time, in plain words.

The report describes; it never explains a change by the treatment. Osteoarthritis symptoms
go up and down, and people improve after saline injections too
(docs/evidence.md#placebo-response), so the wording says what was measured and how large a
change people usually notice, no more.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import cast

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from orthoregen.web.registry import charts
from orthoregen.web.registry.data import RegistryFrames
from orthoregen.web.registry.measures import TIMEPOINT_LABELS, Measure, measure

NOT_A_CLAIM = (
    "These charts show your own answers over time. They cannot show whether the injection "
    "caused any change: osteoarthritis symptoms go up and down, and many people feel better "
    "after any injection, including one of salt water. Please discuss them with your clinician."
)
BAND_TEXT = (
    "The shaded band around your first score shows changes that people usually do not notice "
    "(the minimal clinically important difference, MCID). The dashed line, where shown, is the "
    "level that many people with osteoarthritis describe as acceptable (PASS). Both come from "
    "studies of other treatments, not of cell injections."
)


@dataclass(frozen=True)
class MeasureSection:
    """One measure of one joint: its scores, plain-language summary and chart."""

    measure: Measure
    scores: pd.DataFrame
    baseline: float | None
    latest: float | None
    latest_on: object
    summary: str


@dataclass(frozen=True)
class JointSection:
    """One treated joint: what was done, what happened and every measure."""

    episode_id: int
    title: str
    first_treated_on: object
    injections: list
    events: list
    measures: list[MeasureSection]


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def plain_summary(m: Measure, baseline: float | None, latest: float | None,
                  latest_on: dt.date | None) -> str:
    """Describe a measure's first and latest score without saying why it changed."""
    direction = "Higher" if m.higher_is_better else "Lower"
    text = f"{direction} scores are better on this scale ({m.minimum:g} to {m.maximum:g}). "
    if latest is None:
        return text + "No score recorded yet."
    if baseline is None:
        return text + f"Your latest score was {_fmt(latest)} on {latest_on:%d %b %Y}; " \
                      "there is no score from before treatment to compare it with."
    change = latest - baseline
    better = change > 0 if m.higher_is_better else change < 0
    moved = "better" if better else ("worse" if change else "the same")
    text += f"Before treatment your score was {_fmt(baseline)}; on {latest_on:%d %b %Y} it was " \
            f"{_fmt(latest)} ({moved if change == 0 else f'{_fmt(abs(change))} points {moved}'})."
    if m.improvement is not None and change:
        size = "larger" if abs(change) >= abs(m.improvement) else "smaller"
        text += f" That change is {size} than the {abs(m.improvement):g} points people " \
                "usually notice."
    return text


def _event_label(row: pd.Series) -> str:
    grade = f" (grade {int(row['grade'])})" if pd.notna(row["grade"]) else ""
    return f"{row['term'].replace('_', ' ')}{grade}"


def joint_sections(frames: RegistryFrames, titles: dict[int, str]) -> list[JointSection]:
    """Build the report's sections from one patient's registry frames."""
    sections = []
    for episode in frames.episodes.itertuples():
        # pandas-stubs types a row's fields as any scalar; these columns hold ints and text.
        eid, joint = cast(int, episode.episode_id), cast(str, episode.joint)
        scores = frames.scores[frames.scores["episode_id"] == eid].sort_values("completed_on")
        injections = list(frames.injections.loc[frames.injections["episode_id"] == eid,
                                                "administered_on"].sort_values())
        ae = frames.adverse_events[frames.adverse_events["episode_id"] == eid]
        events = [(row["onset_on"], _event_label(row)) for _, row in ae.iterrows()]
        if pd.notna(episode.arthroplasty_on):
            events.append((episode.arthroplasty_on, "joint replacement"))
        measures = []
        # WOMAC's normalised subscales repeat the raw ones on a 0-100 scale; show each once.
        for (instrument, subscale), rows in scores.groupby(["instrument", "subscale"],
                                                           sort=True):
            if str(subscale).endswith("_normalised"):
                continue
            try:
                m = measure(str(instrument), str(subscale), joint)
            except (KeyError, LookupError, ValueError):
                continue
            first = rows[rows["timepoint"] == "baseline"]
            baseline = float(first["value"].iloc[0]) if not first.empty else None
            last = rows.iloc[-1]
            measures.append(MeasureSection(
                m, rows, baseline, float(last["value"]), last["completed_on"],
                plain_summary(m, baseline, float(last["value"]), last["completed_on"])))
        # A joint not yet injected has no first date: None, not NaT, which templates and
        # date filters cannot format.
        first_treated = None if pd.isna(episode.first_treated_on) else episode.first_treated_on
        sections.append(JointSection(eid, titles.get(eid, joint), first_treated, injections,
                                     events, measures))
    return sections


def section_chart(joint: JointSection, section: MeasureSection) -> Figure:
    """Return the chart of one measure of one joint."""
    return charts.patient_chart(section.measure, section.scores, joint.injections, joint.events,
                                section.baseline)


def report_pdf(patient_name: str, sections: list[JointSection], *, as_of: dt.date) -> bytes:
    """Return the report as a print-friendly A4 PDF (matplotlib PdfPages, no network)."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Progress report: {patient_name}",
                                    "Creator": "orthoregen"}) as pdf:
        charts_per_page = 3
        items: list[tuple[JointSection, MeasureSection] | None] = [
            (j, m) for j in sections for m in j.measures] or [None]
        for page, start in enumerate(range(0, len(items), charts_per_page)):
            figure = Figure(figsize=(8.27, 11.69))
            figure.text(0.07, 0.965, f"Progress report: {patient_name}", fontsize=14,
                        weight="bold")
            figure.text(0.07, 0.945, f"Prepared {as_of:%d %B %Y} · page {page + 1}",
                        fontsize=8, color=charts.MUTED)
            if page == 0:
                figure.text(0.07, 0.90, _wrap(NOT_A_CLAIM + " " + BAND_TEXT), fontsize=8,
                            va="top")
            for slot, item in enumerate(items[start:start + charts_per_page]):
                top = (0.78 if page == 0 else 0.90) - slot * 0.25
                if item is None:
                    figure.text(0.07, top, "No scores have been recorded yet.", fontsize=10)
                    continue
                joint, section = item
                ax = figure.add_axes((0.10, top - 0.15, 0.80, 0.15))
                charts.draw_patient_measure(ax, section.measure, section.scores,
                                            joint.injections, joint.events, section.baseline)
                ax.set_title(f"{joint.title.capitalize()} · {section.measure.name}", loc="left",
                             fontsize=9)
                figure.text(0.07, top - 0.205, _wrap(section.summary, 120), fontsize=7.5,
                            va="top")
            pdf.savefig(figure)
    return buffer.getvalue()


def _wrap(text: str, width: int = 105) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


__all__ = ["BAND_TEXT", "NOT_A_CLAIM", "TIMEPOINT_LABELS", "joint_sections", "report_pdf",
           "section_chart"]
