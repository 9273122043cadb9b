"""Benchmark the registry export (CSV, Parquet) against its floor: COPY of the same joined rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_exp100k \
        .venv/bin/python bench/bench_export.py --pairs 5

Reads an existing registry (load one with `orthoregen synth`, then `registry-refresh` if its
fact tables are empty); it writes nothing to the database but the export's temporary table.
Interleaved A B A B for ``--pairs`` pairs, for each export asked for (default: de-identified
CSV and de-identified Parquet):

A (floor): ``psql -c "\\copy (SELECT ...) TO FILE (FORMAT csv)"``: the same rows the export
   writes (scores joined to their joint and site, in the export's order), with the columns
   as stored: record ids, ages, both dates, no pseudonyms, no formatting.
B (export): ``write_export`` of every site, in a child process (the time of the export
   alone, without Python's start; the child's peak resident memory from the kernel, and
   its resident memory before the export began).

Ratio = export / floor (goal: at most 2). The load average is printed with each pair.
PostgreSQL only (SQLite has no COPY).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_COLUMNS = ("e.patient_id, e.episode_id, t.code, e.joint, e.side, e.grade_scale, e.grade, "
                 "e.sex, e.age_at_treatment, e.cell_source, e.dose_cells, e.dose_band, "
                 "e.protocol_version, s.timepoint, s.completed_on, e.first_treated_on, "
                 "s.instrument, s.subscale, s.value, s.mode")
FLOOR_SQL = (f"SELECT {FLOOR_COLUMNS} FROM registry_scorefact s "
             "JOIN registry_episodefact e ON e.episode_id = s.episode_id "
             "JOIN accounts_site t ON t.id = e.site_id "
             'ORDER BY e.patient_id, e.episode_id, s.completed_on, s.instrument COLLATE "C", '
             's.subscale COLLATE "C", s.id')


def child(fmt: str, deidentified: bool, out: str) -> None:
    """Run one export in this process and print its time, rows and memory as JSON."""
    os.environ.setdefault("ORTHOREGEN_ENV", "test")
    os.environ.setdefault("ORTHOREGEN_DATA_DIR", tempfile.mkdtemp())
    from orthoregen.web.django_setup import setup_django

    setup_django()
    from django.db import connection

    from orthoregen.web.registry.export import write_export
    from orthoregen.web.registry.models import EpisodeFact

    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(out, "wb") as handle:
        rows = write_export(EpisodeFact.objects.all(), fmt, handle, deidentified=deidentified)
    seconds = time.perf_counter() - started
    # ru_maxrss is the process's high-water mark (KiB on Linux): the peak of the export.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": rows, "rss_before_kib": before,
                      "peak_kib": peak}))


def run_export(fmt: str, deidentified: bool, out: Path) -> dict:
    args = [sys.executable, __file__, "--child", fmt, "de" if deidentified else "analysis",
            str(out)]
    done = subprocess.run(args, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_floor(url: str, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-d", url, "-c",
                    f"\\copy ({FLOOR_SQL}) TO '{out}' (FORMAT csv)"], check=True)
    return time.perf_counter() - started


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--exports", nargs="+", default=["csv-de", "parquet-de"],
                        help="csv-de, parquet-de, csv-analysis, parquet-analysis")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "KIND", "OUT"))
    args = parser.parse_args()
    if args.child:
        fmt, kind, out = args.child
        child(fmt, kind == "de", out)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL registry to read")
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; database {url.rsplit('/', 1)[-1]}")
    summary = []
    for name in args.exports:
        fmt, kind = name.split("-")
        deidentified = kind == "de"
        print(f"\n{fmt} ({'de-identified' if deidentified else 'analysis'}), "
              f"{args.pairs} pairs (A floor s, B export s, ratio B/A, load 1/5/15 min)")
        ratios, peaks, befores = [], [], []
        for _ in range(args.pairs):
            floor_file, export_file = work / "floor.csv", work / f"export.{fmt}"
            floor = run_floor(url, floor_file)
            result = run_export(fmt, deidentified, export_file)
            ratio = result["seconds"] / floor
            ratios.append(ratio)
            peaks.append(result["peak_kib"])
            befores.append(result["rss_before_kib"])
            print(f"  A {floor:7.2f}  B {result['seconds']:7.2f}  {ratio:5.2f}x  load {load()}"
                  f"  rows {result['rows']:,}  files {floor_file.stat().st_size / 2**20:,.0f}"
                  f" / {export_file.stat().st_size / 2**20:,.0f} MiB"
                  f"  peak RSS {result['peak_kib'] / 1024:.0f} MiB")
        line = (f"{name}: ratio min {min(ratios):.2f} median {statistics.median(ratios):.2f} "
                f"max {max(ratios):.2f} (goal <= 2); child peak RSS {max(peaks) / 1024:.0f} MiB"
                f" ({max(befores) / 1024:.0f} MiB before the export began)")
        print(line)
        summary.append(line)
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
