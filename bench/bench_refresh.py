"""Benchmark `registry-refresh` (a whole-registry rebuild) against INSERT ... SELECT of its rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench_refresh \
        .venv/bin/orthoregen synth --patients 10000 --as-of 2026-06-30
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench_refresh \
        .venv/bin/python bench/bench_refresh.py --pairs 5

PostgreSQL only; reads a registry `orthoregen synth` built (nothing is flushed). The floor
writes the same fact rows the refresh writes, already computed, with `INSERT ... SELECT`
into empty copies of the five fact tables that have the same indexes and foreign keys
(`LIKE ... INCLUDING ALL`, keys added deferred as Django's are), in one transaction. Floor
and rebuild alternate (A B A B); the output gives min/median/max of the ratio, the load
average, and the score table's size after one and three rebuilds (with --site-by-site, also
after two refreshes site by site: DELETE then INSERT, as every refresh did before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

AS_OF = dt.date(2026, 6, 30)


def setup() -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    os.environ.setdefault("ORTHOREGEN_DATA_DIR", "/tmp/orthoregen-bench-refresh")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    from orthoregen.web.django_setup import setup_django

    setup_django()


def execute(sql: str) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def floor_tables() -> list[tuple[str, str]]:
    """Create the floor's empty copies; return (fact table, copy) pairs, parents first."""
    from orthoregen.web.registry.services import FACT_MODELS

    copies = {m._meta.db_table: f"bench_floor_{m._meta.db_table}" for m in FACT_MODELS}
    for table, copy in copies.items():
        execute(f"DROP TABLE IF EXISTS {copy} CASCADE")
        execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
    for model in FACT_MODELS:
        for field in model._meta.concrete_fields:
            if field.is_relation:
                target = field.related_model._meta.db_table
                target = copies.get(target, target)
                execute(f"ALTER TABLE {copies[model._meta.db_table]} ADD FOREIGN KEY "
                        f"({field.column}) REFERENCES {target} ({field.target_field.column}) "
                        "DEFERRABLE INITIALLY DEFERRED")
    return list(copies.items())


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def score_size() -> str:
    table, total = execute("SELECT pg_relation_size('registry_scorefact'), "
                           "pg_total_relation_size('registry_scorefact')")[0]
    return f"table {table / 2**20:6.1f} MiB, with indexes {total / 2**20:6.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--site-by-site", action="store_true",
                        help="then refresh twice site by site (DELETE + INSERT), for the size")
    args = parser.parse_args()
    setup()
    from django.db import connection, transaction

    from orthoregen.web.accounts.models import Site
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.registry.services import facts_rebuild, facts_refresh, vacuum_facts

    if connection.vendor != "postgresql":
        print("bench_refresh needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    rebuild = lambda: facts_rebuild(as_of=AS_OF)  # noqa: E731
    pairs = floor_tables()

    def floor() -> None:
        with transaction.atomic():
            execute(f"TRUNCATE {', '.join(copy for _, copy in pairs)}")
            for table, copy in pairs:
                execute(f"INSERT INTO {copy} SELECT * FROM {table}")

    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"patients {execute('SELECT count(*) FROM clinic_patient')[0][0]:,}; "
          f"joints {JointEpisode.objects.count():,}")
    print(f"score table as found:         {score_size()}")
    scores = rebuild()
    print(f"score rows per rebuild: {scores:,}")
    print(f"score table after 1 rebuild:  {score_size()}")
    times: dict[str, list[float]] = {"floor": [], "rebuild": []}
    for n in range(args.pairs):
        times["floor"].append(timed(floor))
        times["rebuild"].append(timed(rebuild))
        if n == 1:
            print(f"score table after 3 rebuilds: {score_size()}")
    print(f"score table after {args.pairs + 1} rebuilds: {score_size()}")
    vacuum_s = timed(vacuum_facts)
    if args.site_by_site:
        for _ in range(2):
            for site in Site.objects.all():
                facts_refresh(JointEpisode.objects.filter(patient__site=site), as_of=AS_OF)
            vacuum_facts()
        print(f"after 2 site-by-site refreshes (DELETE + INSERT, VACUUM after each): "
              f"{score_size()}")
    ratios = [r / f for r, f in zip(times["rebuild"], times["floor"], strict=True)]

    def spread(values: list[float]) -> str:
        return f"{min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}"

    print(f"{args.pairs} pairs (floor, rebuild)              min  median     max")
    print(f"INSERT ... SELECT floor (s)           {spread(times['floor'])}")
    print(f"registry rebuild (s)                  {spread(times['rebuild'])}")
    print(f"ratio rebuild / floor                 {spread(ratios)}   goal <= 1.5")
    print(f"VACUUM (ANALYZE) of the fact tables after a rebuild: {vacuum_s:.2f} s")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for _, copy in pairs:
        execute(f"DROP TABLE IF EXISTS {copy} CASCADE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
