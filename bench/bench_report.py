"""Benchmark the progress report PDF with ten charts against floors timed side by side.

    .venv/bin/python bench/bench_report.py            # --pairs 7

Two joints of five measures each (ten charts, two years of scores, an injection and an
event per joint) go through report.report_pdf. Interleaved with it, in every round:
- floor: one empty A4 page written through matplotlib's PdfPages, the cheapest PDF the
  previous renderer could produce (its fixed cost, without any chart);
- the writer's own fixed cost: a report of no joints (fpdf2 reading and subsetting the
  embedded DejaVu Sans, one page);
- reference: the same ten charts drawn by matplotlib (charts.patient_chart) into PdfPages,
  what a matplotlib figure per chart costs.
Ratios are report / floor per round; the output gives min/median/max and the load average.
No database is used: the sections are built in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time


def setup() -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "test")
    os.environ.setdefault("ORTHOREGEN_DATA_DIR", tempfile.mkdtemp())
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    from orthoregen.web.django_setup import setup_django

    setup_django()


def sections() -> list:
    import pandas as pd

    from orthoregen.web.registry import report
    from orthoregen.web.registry.measures import measure

    treated = pd.Timestamp("2025-06-02")
    days = [-7, 42, 91, 182, 365, 730]
    kinds = [("nrs_pain", "pain"), ("womac_lk31", "pain"), ("womac_lk31", "function"),
             ("womac_lk31", "stiffness"), ("womac_lk31", "total")]
    out = []
    for number, joint in enumerate(("knee", "hip"), start=1):
        measures = []
        for instrument, subscale in kinds:
            m = measure(instrument, subscale, joint)
            scores = pd.DataFrame({
                "completed_on": [treated + pd.Timedelta(days=d) for d in days],
                "value": [m.minimum + (m.maximum - m.minimum) * f
                          for f in (0.6, 0.55, 0.45, 0.4, 0.42, 0.35)]})
            first, last = float(scores["value"].iloc[0]), float(scores["value"].iloc[-1])
            measures.append(report.MeasureSection(
                m, scores, first, last, scores["completed_on"].iloc[-1],
                report.plain_summary(m, first, last, scores["completed_on"].iloc[-1])))
        out.append(report.JointSection(number, f"left {joint}", treated.date(), [treated],
                                       [(treated + pd.Timedelta(days=2), "flare (grade 1)")],
                                       measures))
    return out


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    setup()
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from orthoregen.web.registry import charts, report

    joints = sections()
    who = report.ReportPatient(name="Marianne Okafor-Lindqvist", mrn="A-000123",
                               date_of_birth=dt.date(1958, 2, 28))
    assert sum(len(j.measures) for j in joints) == 10

    def report_pdf() -> None:
        report.report_pdf(who, joints, as_of=dt.date(2026, 11, 1))

    def matplotlib_empty_page() -> None:
        with PdfPages(io.BytesIO()) as pdf:
            pdf.savefig(Figure(figsize=(8.27, 11.69)))

    def report_of_no_joints() -> None:
        report.report_pdf(who, [], as_of=dt.date(2026, 11, 1))

    def matplotlib_ten_charts() -> None:
        with PdfPages(io.BytesIO()) as pdf:
            for joint in joints:
                for s in joint.measures:
                    pdf.savefig(charts.patient_chart(s.measure, s.scores, joint.injections,
                                                     joint.events, s.baseline))

    report_pdf(), matplotlib_empty_page(), matplotlib_ten_charts()  # imports, font caches
    rows: dict[str, list[float]] = {"report": [], "floor": [], "canvas": [], "mpl": []}
    for _ in range(args.pairs):
        rows["floor"].append(timed(matplotlib_empty_page))
        rows["report"].append(timed(report_pdf))
        rows["canvas"].append(timed(report_of_no_joints))
        rows["mpl"].append(timed(matplotlib_ten_charts))
    ratios = [r / f for r, f in zip(rows["report"], rows["floor"], strict=True)]
    speedups = [m / r for m, r in zip(rows["mpl"], rows["report"], strict=True)]

    def spread(values: list[float], scale: float = 1000) -> str:
        return (f"{min(values) * scale:8.1f} {statistics.median(values) * scale:8.1f} "
                f"{max(values) * scale:8.1f}")

    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores; {args.pairs} rounds (floor, report, no joints, matplotlib)")
    print("                                          min   median      max")
    print(f"report PDF, 10 charts (ms)           {spread(rows['report'])}")
    print(f"floor: empty page, matplotlib (ms)   {spread(rows['floor'])}")
    print(f"report of no joints, fpdf2 (ms)      {spread(rows['canvas'])}")
    print(f"10 charts as matplotlib figures (ms) {spread(rows['mpl'])}")
    print(f"ratio report / floor                 {spread(ratios, 1)}   goal: < 1 s absolute")
    print(f"speed-up over matplotlib figures     {spread(speedups, 1)}")


if __name__ == "__main__":
    main()
