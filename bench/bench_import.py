"""Benchmark the CSV import of historical item-level responses against a COPY floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_imports .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --rows 100000      # SQLite in a temporary directory

A file of ``--rows`` KOOS responses (42 items coded 0-4, 5 % of items blank, ``--episodes``
knee episodes) is written once. Then, interleaved A B A B for ``--pairs`` pairs:

A (floor): the rows exactly as the import stores them (same answers and scores JSON, same
   keys), already rendered as COPY text, streamed by psycopg's ``cursor.copy`` into
   followup_questionnaireresponse with all its indexes (SQLite: one executemany of the
   same tuples).
B (import): ``orthoregen.web.imports.services.import_file`` on the file's bytes: read the
   CSV, validate every row in bulk (codes, dates, time points, patients and episodes,
   duplicates, already-imported keys), score with the instruments package, write.

Each is timed inside a transaction that is then rolled back, and the table is vacuumed
after each, so every run starts from the same state. The ratio is floor / import (1.0 =
as fast as COPY itself); the target is at least 0.3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import pandas as pd


def setup(data_dir: str) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "test")
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cohort(episodes: int):
    """Return (site, user): a bench site with one left knee per patient, reused if present."""
    from orthoregen.web.accounts.models import Site, User
    from orthoregen.web.accounts.roles import Role
    from orthoregen.web.clinic.models import JointEpisode, Patient

    site, _ = Site.objects.get_or_create(code="bench-import", defaults={"name": "Import bench"})
    user, _ = User.objects.get_or_create(username="bench-importer",
                                         defaults={"role": Role.ADMIN})
    user.sites.add(site)
    have = Patient.objects.filter(site=site).count()
    if have < episodes:
        patients = Patient.objects.bulk_create(
            [Patient(site=site, mrn=f"B{i:07d}", family_name="Bench", given_name="P",
                     date_of_birth=dt.date(1960, 1, 1), sex="female")
             for i in range(have, episodes)], batch_size=5000)
        JointEpisode.objects.bulk_create(
            [JointEpisode(patient=p, joint="knee", side="left", diagnosis_code="M17.12",
                          grade_scale="kellgren_lawrence", grade=2) for p in patients],
            batch_size=5000)
    return site, user


def make_file(rows: int, episodes: int, seed: int = 1) -> bytes:
    from orthoregen.instruments import get_instrument

    rng = np.random.default_rng(seed)
    items = [item.id for item in get_instrument("koos").items]
    codes = rng.integers(0, 5, size=(rows, len(items))).astype(float)
    codes[rng.random(codes.shape) < 0.05] = np.nan
    frame = pd.DataFrame(codes, columns=items).astype("Int64")
    points = np.array(["baseline", "month_3", "month_6", "month_12", "month_24"])
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows), "D")
    meta = pd.DataFrame({
        "source_system": "old-emr", "source_id": [f"R{i}" for i in range(rows)],
        "patient_mrn": [f"B{i % episodes:07d}" for i in range(rows)],
        "joint": "knee", "side": "left", "instrument": "koos",
        "timepoint": points[np.arange(rows) % len(points)],
        "completed_on": days.strftime("%Y-%m-%d")})
    out = io.BytesIO()
    pd.concat([meta, frame], axis=1).to_csv(out, index=False)
    return out.getvalue()


def floor_rows(data: bytes, site, user) -> tuple[list[str], list[tuple]]:
    """Return the rows the import would store: COPY text chunks and executemany tuples."""
    from django.db import connection, transaction

    from orthoregen.web.followup.models import QuestionnaireResponse
    from orthoregen.web.imports import bulk, services

    with transaction.atomic():
        report = services.import_file("responses", data, file_name="bench.csv", site=site,
                                      by=user)
        assert report.saved, report.problems[:5]
        names = services.RESPONSE_FIELDS
        columns = [f"{n}_id" if n in ("episode", "visit") else n for n in names]
        rows = list(QuestionnaireResponse.objects.filter(
            idempotency_key__startswith="import:bench-import:").values_list(*columns))
        with connection.cursor() as cursor:
            cursor.execute("SELECT answers::text, scores::text FROM followup_questionnaireresponse"
                           " WHERE idempotency_key LIKE 'import:bench-import:%%' ORDER BY id"
                           if connection.vendor == "postgresql" else
                           "SELECT answers, scores FROM followup_questionnaireresponse WHERE "
                           "idempotency_key LIKE 'import:bench-import:%%' ORDER BY id")
            texts = cursor.fetchall()
        transaction.set_rollback(True)
    rows.sort(key=lambda row: row[-1])
    stamp = rows[0][8]
    tuples = [(r[0], None, r[2], r[3], r[4], a, s, r[7].isoformat(),
               connection.ops.adapt_datetimefield_value(stamp), r[9], r[10])
              for r, (a, s) in zip(rows, texts, strict=True)]
    chunks = []
    for start in range(0, len(tuples), services.COPY_ROWS):
        lines = [f"{t[0]}\t\\N\t{t[2]}\t{t[3]}\t{t[4]}\t{t[5]}\t{t[6]}\t{t[7]}\t"
                 f"{stamp.isoformat()}\t{t[9]}\t{bulk.copy_escape(t[10])}\n"
                 for t in tuples[start:start + services.COPY_ROWS]]
        chunks.append("".join(lines))
    return chunks, tuples


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM followup_questionnaireresponse")
        else:
            cursor.execute("VACUUM")


def time_floor(chunks: list[str], tuples: list[tuple], progress, task) -> float:
    from django.db import connection, transaction

    from orthoregen.web.followup.models import QuestionnaireResponse
    from orthoregen.web.imports import bulk, services

    progress.reset(task, total=len(tuples), description="A: COPY floor")
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            bulk.copy_text(QuestionnaireResponse, services.RESPONSE_FIELDS,
                           ((c, c.count("\n")) for c in chunks),
                           advance=lambda n: progress.advance(task, n))
        else:
            bulk.insert_many(QuestionnaireResponse, services.RESPONSE_FIELDS,
                             (tuples[i:i + services.COPY_ROWS]
                              for i in range(0, len(tuples), services.COPY_ROWS)),
                             advance=lambda n: progress.advance(task, n))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    vacuum()
    return seconds


def time_import(data: bytes, rows: int, site, user, progress, task) -> float:
    from django.db import transaction

    from orthoregen.web.imports.services import import_file

    progress.reset(task, total=rows, description="B: import")
    started = time.perf_counter()
    with transaction.atomic():
        report = import_file("responses", data, file_name="bench.csv", site=site, by=user,
                             advance=lambda n: progress.advance(task, n))
        seconds = time.perf_counter() - started
        assert report.saved and report.created == rows, report.summary()
        transaction.set_rollback(True)
    vacuum()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="orthoregen-bench-import-"))
    from django.db import connection
    from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

    site, user = cohort(args.episodes)
    started = time.perf_counter()
    data = make_file(args.rows, args.episodes)
    print(f"database: {connection.vendor}; machine: {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"file: {args.rows:,} KOOS responses, {len(data) / 2**20:.0f} MiB, written in "
          f"{time.perf_counter() - started:.1f} s")
    chunks, tuples = floor_rows(data, site, user)
    vacuum()
    floors, imports = [], []
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(),
                  TimeElapsedColumn()) as progress:
        task = progress.add_task("", total=args.rows)
        for _ in range(args.pairs):
            floors.append(time_floor(chunks, tuples, progress, task))
            imports.append(time_import(data, args.rows, site, user, progress, task))
    ratios = [f / i for f, i in zip(floors, imports, strict=True)]
    floor_name = "COPY" if connection.vendor == "postgresql" else "executemany"
    print(f"pairs (A {floor_name} floor s, B import s, ratio A/B):")
    for f, i, r in zip(floors, imports, ratios, strict=True):
        print(f"  {f:7.2f}  {i:7.2f}  {r:5.2f}")
    print(f"floor median {statistics.median(floors):.2f} s "
          f"({args.rows / statistics.median(floors):,.0f} rows/s); import median "
          f"{statistics.median(imports):.2f} s ({args.rows / statistics.median(imports):,.0f} "
          "rows/s)")
    print(f"ratio floor/import: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
          f"max {max(ratios):.2f} (target >= 0.3)")


if __name__ == "__main__":
    main()
