"""Benchmark the FHIR bulk export against a floor: PostgreSQL COPY ... TO of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_fhir \
        .venv/bin/python bench/bench_fhir_export.py --patients 1000
    .venv/bin/python bench/bench_fhir_export.py --patients 200     # SQLite in a temporary directory

A synthetic site (``orthoregen synth``'s loader: cell lab, procedures, follow-up and safety
stages, plus the foundation's patients, joints and encounters) is loaded once, or reused if a
previous run left it. Then, interleaved A B A B for ``--pairs`` pairs:

A (floor): every row the export reads (patients, joints, encounters, consents, product
   units, injected joints, questionnaire responses with their scores, adverse events),
   streamed by ``COPY (SELECT ...) TO STDOUT`` into a file (SQLite has no COPY: the same
   SELECTs fetched and written as tab-separated text).
B (export): ``orthoregen.web.fhir.bulk.write_export`` of the site: every resource built,
   validated with its fhir.resources R4B model and written as NDJSON, one file per type.

The ratio is floor / export (1.0 = as fast as COPY itself). The machine's load average is
printed before and after each pair: other work on the machine slows both sides of a pair.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

SITE = "bench-fhir"
# (table, the condition that selects the exported site's rows)
FLOOR_TABLES = [
    ("clinic_patient", "site_id = %(site)s"),
    ("clinic_jointepisode",
     "patient_id IN (SELECT id FROM clinic_patient WHERE site_id = %(site)s)"),
    ("clinic_encounter", "episode_id IN (SELECT e.id FROM clinic_jointepisode e JOIN "
                         "clinic_patient p ON p.id = e.patient_id WHERE p.site_id = %(site)s)"),
    ("consultation_consentrecord",
     "episode_id IN (SELECT e.id FROM clinic_jointepisode e JOIN clinic_patient p ON "
     "p.id = e.patient_id WHERE p.site_id = %(site)s)"),
    ("cellbank_productunit", "site_id = %(site)s"),
    ("cellbank_procedurejoint", "procedure_id IN (SELECT r.id FROM cellbank_procedure r JOIN "
                                "clinic_patient p ON p.id = r.patient_id "
                                "WHERE p.site_id = %(site)s)"),
    ("followup_questionnaireresponse",
     "episode_id IN (SELECT e.id FROM clinic_jointepisode e JOIN clinic_patient p ON "
     "p.id = e.patient_id WHERE p.site_id = %(site)s)"),
    ("safety_adverseevent",
     "patient_id IN (SELECT id FROM clinic_patient WHERE site_id = %(site)s)"),
]


def setup(data_dir: str) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "test")
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load(patients: int, stages: tuple[str, ...]):
    """Return the bench site, loading it first if it holds no patients."""
    import datetime as dt

    from orthoregen.web.accounts.models import Site
    from orthoregen.web.clinic.models import Patient
    from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

    site = Site.objects.filter(code=SITE).first() or synthetic_site(SITE, "FHIR bench")
    have = Patient.objects.filter(site=site).count()
    if have:
        print(f"reusing site {SITE}: {have:,} patients")
        return site
    started = time.perf_counter()
    synth_load(site, patients, seed=7, as_of=dt.date(2026, 6, 30), stages=stages)
    print(f"synthetic load: {patients:,} patients ({', '.join(stages)}) in "
          f"{time.perf_counter() - started:.1f} s")
    return site


def time_floor(site, out: Path) -> tuple[float, int]:
    from django.db import connection

    rows = 0
    started = time.perf_counter()
    with connection.cursor() as cursor, out.open("wb") as handle:
        for table, condition in FLOOR_TABLES:
            where = condition % {"site": int(site.pk)}
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3
                with raw.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as copy:
                    for block in copy:
                        handle.write(block)
                        rows += bytes(block).count(b"\n")
            else:
                cursor.execute(f"SELECT * FROM {table} WHERE {where}")
                for row in cursor.fetchall():
                    handle.write(("\t".join(map(str, row)) + "\n").encode())
                    rows += 1
    return time.perf_counter() - started, rows


def time_export(site, out: Path) -> tuple[float, int]:
    from orthoregen.web.fhir.bulk import export_querysets, write_export
    from orthoregen.web.fhir.resources import Context

    started = time.perf_counter()
    counts = write_export(out, export_querysets(site_code=site.code), Context(),
                          questionnaires=False)
    return time.perf_counter() - started, sum(counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--stages", default="cellbank,procedures,followup,safety",
                        help="synthetic stages to load (default: all but consultation)")
    args = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="orthoregen-bench-fhir-"))
    from django.db import connection

    site = load(args.patients, tuple(args.stages.split(",")))
    print(f"database: {connection.vendor}; machine: {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    scratch = Path(tempfile.mkdtemp(prefix="orthoregen-bench-fhir-out-"))
    floors, exports, ratios = [], [], []
    rows = resources = 0
    print("pair  load before  A floor s  B export s  ratio A/B  load after")
    for n in range(args.pairs):
        before = os.getloadavg()[0]
        floor, rows = time_floor(site, scratch / "floor.tsv")
        export, resources = time_export(site, scratch / "export")
        after = os.getloadavg()[0]
        floors.append(floor)
        exports.append(export)
        ratios.append(floor / export)
        print(f"{n + 1:4d}  {before:11.2f}  {floor:9.3f}  {export:10.2f}  {floor / export:9.4f}"
              f"  {after:10.2f}")
    print(f"floor: {rows:,} rows, median {statistics.median(floors):.3f} s; export: "
          f"{resources:,} resources, median {statistics.median(exports):.2f} s "
          f"({resources / statistics.median(exports):,.0f} resources/s)")
    print(f"ratio floor/export: min {min(ratios):.4f}, median {statistics.median(ratios):.4f}, "
          f"max {max(ratios):.4f} (export is {1 / statistics.median(ratios):.0f}x the floor)")


if __name__ == "__main__":
    main()
