"""A patient's progress report: every score of each treated joint over time, in plain words.

The report describes; it never explains a change by the treatment. Osteoarthritis symptoms
go up and down, and people improve after saline injections too
(docs/evidence.md#placebo-response), so the wording says what was measured and how large a
change people usually notice, no more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

import pandas as pd
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF
from matplotlib.figure import Figure

from orthoregen.web.registry import charts, pdfchart
from orthoregen.web.registry.data import RegistryFrames
from orthoregen.web.registry.measures import TIMEPOINT_LABELS, Measure, measure

NOT_A_CLAIM = _(
    "These charts show your own answers over time. They cannot show whether the injection "
    "caused any change: osteoarthritis symptoms go up and down, and many people feel better "
    "after any injection, including one of salt water. Please discuss them with your clinician."
)
BAND_TEXT = _(
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


def _day(value: object) -> str:
    """Return a date as "09 Apr 2026" in English, with the active language's month."""
    return date_format(cast(dt.date, value), "d M Y")


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def plain_summary(m: Measure, baseline: float | None, latest: float | None,
                  latest_on: dt.date | None) -> str:
    """Describe a measure's first and latest score without saying why it changed."""
    # Whole sentences, one per case, so that a translation can order each as it needs.
    scale = {"lowest": f"{m.minimum:g}", "highest": f"{m.maximum:g}"}
    sentences = [gettext("Higher scores are better on this scale (%(lowest)s to %(highest)s).")
                 % scale if m.higher_is_better else
                 gettext("Lower scores are better on this scale (%(lowest)s to %(highest)s).")
                 % scale]
    if latest is None:
        return " ".join([*sentences, gettext("No score recorded yet.")])
    on = _day(latest_on)
    if baseline is None:
        return " ".join([*sentences, gettext(
            "Your latest score was %(latest)s on %(on)s; there is no score from before "
            "treatment to compare it with.") % {"latest": _fmt(latest), "on": on}])
    change = latest - baseline
    better = change > 0 if m.higher_is_better else change < 0
    values = {"before": _fmt(baseline), "on": on, "latest": _fmt(latest),
              "points": _fmt(abs(change))}
    if change == 0:
        moved = gettext("Before treatment your score was %(before)s; on %(on)s it was "
                        "%(latest)s (the same).")
    elif better:
        moved = gettext("Before treatment your score was %(before)s; on %(on)s it was "
                        "%(latest)s (%(points)s points better).")
    else:
        moved = gettext("Before treatment your score was %(before)s; on %(on)s it was "
                        "%(latest)s (%(points)s points worse).")
    sentences.append(moved % values)
    if m.improvement is not None and change:
        noticed = {"points": f"{abs(m.improvement):g}"}
        sentences.append(
            gettext("That change is larger than the %(points)s points people usually notice.")
            % noticed if abs(change) >= abs(m.improvement) else
            gettext("That change is smaller than the %(points)s points people usually notice.")
            % noticed)
    return " ".join(sentences)


def _event_label(row: pd.Series) -> str:
    term = row["term"].replace("_", " ")
    if pd.notna(row["grade"]):
        return gettext("%(term)s (grade %(grade)s)") % {"term": term, "grade": int(row["grade"])}
    return term


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
            events.append((episode.arthroplasty_on, gettext("joint replacement")))
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


@dataclass(frozen=True)
class ReportPatient:
    """Who the report is about, printed on every page so a loose page is never misfiled."""

    name: str
    mrn: str
    date_of_birth: dt.date

    @property
    def identifiers(self) -> str:
        return f"{self.name} · MRN {self.mrn} · born {self.date_of_birth:%d %b %Y}"


A4_WIDTH, A4_HEIGHT = 595.28, 841.89
FONTS = Path(__file__).with_name("fonts")
# Points from the page's top-left corner, as fpdf2 measures them.
LEFT, RIGHT, TOP, BOTTOM = 50.0, A4_WIDTH - 50.0, 80.0, A4_HEIGHT - 50.0
CHART_HEIGHT = 110.0
LEADING = 1.3  # line height as a multiple of the font size
_MEASURE_HEIGHT = 30 + CHART_HEIGHT + pdfchart.LEGEND_HEIGHT  # title, chart, axis and legend

Drawing = Callable[[FPDF], None]


def _document(title: str) -> FPDF:
    """An A4 document in points with DejaVu Sans embedded: unlike the standard PDF fonts,
    which have only Latin-1 letters, it prints Łukasz, Σοφία and Nguyễn. fpdf2 embeds only
    the letters used (a subset), so the file stays small."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_font("DejaVu", size=8)
    pdf.set_title(title)
    pdf.set_creator("orthoregen")
    return pdf


class _Layout:
    """Blocks placed top to bottom, a new page whenever the next one does not fit.

    A page is kept as its list of drawings and drawn once the layout is done, so each page
    can say "page 2 of 3" before the pages after it are drawn."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.widths: dict[tuple[bool, str], float] = {}  # words measured at 1 pt, by weight
        self.pages: list[list[Drawing]] = []
        self.new_page()

    def new_page(self) -> None:
        self.page: list[Drawing] = []
        self.pages.append(self.page)
        self.y = TOP

    def room(self, height: float) -> None:
        if self.y + height > BOTTOM and self.y > TOP:
            self.new_page()

    def draw(self, drawing: Drawing) -> None:
        self.page.append(drawing)

    def lines(self, text: str, size: float, *, bold: bool = False) -> list[str]:
        """Break text into lines that fit between the margins, by the font's own widths."""
        self.pdf.set_font(style="B" if bold else "", size=1)

        def width(word: str) -> float:
            if (bold, word) not in self.widths:
                self.widths[bold, word] = self.pdf.get_string_width(word)
            return self.widths[bold, word] * size

        lines: list[str] = []
        line, used = "", 0.0
        for word in text.split():
            # Without kerning a line is as wide as its words and spaces.
            if line and used + width(" ") + width(word) > RIGHT - LEFT:
                lines.append(line)
                line, used = "", 0.0
            line, used = (f"{line} {word}", used + width(" ") + width(word)) if line else \
                (word, width(word))
        return [*lines, line]

    def paragraph(self, text: str, *, size: float = 8, bold: bool = False,
                  colour: str = charts.INK) -> None:
        lines = self.lines(text, size, bold=bold)
        self.room(len(lines) * size * LEADING)
        for line in lines:
            self.y += size * LEADING
            self.draw(partial(pdfchart.text, x=LEFT, y=self.y, words=line, size=size,
                              bold=bold, colour=colour))


def _joint_heading(layout: _Layout, joint: JointSection) -> None:
    facts = []
    if joint.first_treated_on is not None:
        facts.append(gettext("first treated %(on)s")
                     % {"on": _day(joint.first_treated_on)})
    count = len(joint.injections)
    facts.append(ngettext("%(count)s injection recorded", "%(count)s injections recorded",
                          count) % {"count": count})
    facts.extend(gettext("%(event)s on %(on)s") % {"event": label, "on": _day(day)}
                 for day, label in joint.events)
    # Keep a joint's heading on the page of its first chart.
    layout.room(60 + (_MEASURE_HEIGHT + 30 if joint.measures else 0))
    layout.y += 10
    layout.paragraph(joint.title.capitalize(), size=12, bold=True)
    text = "; ".join(facts)
    layout.paragraph(text[:1].upper() + text[1:] + ".", colour=charts.MUTED)
    if not joint.measures:
        layout.paragraph(gettext("No scores have been recorded yet for this joint."), size=9)


def _measure_block(layout: _Layout, joint: JointSection, section: MeasureSection) -> None:
    summary = layout.lines(section.summary, 7.5)
    m = section.measure
    layout.room(_MEASURE_HEIGHT + len(summary) * 10)
    layout.y += 18
    layout.draw(partial(pdfchart.text, x=LEFT, y=layout.y, size=9, bold=True,
                        words=gettext("%(joint)s · %(measure)s (scale %(lowest)s to "
                                      "%(highest)s)") % {
                            "joint": joint.title.capitalize(), "measure": m.name,
                            "lowest": f"{m.minimum:g}", "highest": f"{m.maximum:g}"}))
    box = pdfchart.Box(LEFT + 25, layout.y + 12, RIGHT - LEFT - 25, CHART_HEIGHT)
    layout.draw(partial(pdfchart.draw_measure, box=box, measure=m, scores=section.scores,
                        injections=joint.injections, events=joint.events,
                        baseline=section.baseline))
    layout.y = box.bottom + pdfchart.LEGEND_HEIGHT
    layout.paragraph(section.summary, size=7.5)


def _identifiers(pdf: FPDF, patient: ReportPatient, *, as_of: dt.date, number: int,
                 total: int) -> None:
    """The patient's name, MRN and date of birth at the top and foot of a page."""
    write = partial(pdfchart.text, pdf)
    page = gettext("page %(number)s of %(total)s") % {"number": number, "total": total}
    write(LEFT, 45, gettext("Progress report: %(name)s") % {"name": patient.name}, size=14,
          bold=True)
    write(LEFT, 59, gettext("MRN %(mrn)s · born %(born)s · prepared %(prepared)s") % {
        "mrn": patient.mrn, "born": _day(patient.date_of_birth),
        "prepared": date_format(as_of, "d F Y")}, size=8.5)
    write(RIGHT, 59, page, size=8, align="right", colour=charts.MUTED)
    write(LEFT, A4_HEIGHT - 28, patient.identifiers, size=7, colour=charts.MUTED)
    write(RIGHT, A4_HEIGHT - 28, page, size=7, align="right", colour=charts.MUTED)


def report_pdf(patient: ReportPatient, sections: list[JointSection], *, as_of: dt.date
               ) -> bytes:
    """Return the report as a print-friendly A4 PDF: every treated joint, each with every
    measure's chart, and the patient's name, MRN and date of birth on every page."""
    pdf = _document(gettext("Progress report: %(name)s") % {"name": patient.name})
    layout = _Layout(pdf)
    layout.paragraph(f"{NOT_A_CLAIM} {BAND_TEXT}")
    if not sections:
        layout.paragraph(gettext("No treated joints are recorded yet."), size=10)

    for joint in sections:
        _joint_heading(layout, joint)
        for section in joint.measures:
            _measure_block(layout, joint, section)
    for number, drawings in enumerate(layout.pages, start=1):
        pdf.add_page()
        _identifiers(pdf, patient, as_of=as_of, number=number, total=len(layout.pages))
        for drawing in drawings:
            drawing(pdf)
    return bytes(pdf.output())


__all__ = ["BAND_TEXT", "NOT_A_CLAIM", "TIMEPOINT_LABELS", "ReportPatient", "joint_sections",
           "report_pdf", "section_chart"]
