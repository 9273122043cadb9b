"""Benchmark the patient chart (the hub) on a synthetic registry, beside the login page.

    ORTHOREGEN_ENV=demo .venv/bin/orthoregen synth --patients 2000 --seed 1 \
        --as-of 2026-12-07 --data-dir /tmp/bench_chart/sqlite
    .venv/bin/python bench/bench_patient_page.py --data-dir /tmp/bench_chart/sqlite \
        --as-of 2026-12-07                                                    # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_chart \
        .venv/bin/python bench/bench_patient_page.py --as-of 2026-12-07      # PostgreSQL

The registry is read, never emptied: load it first with `orthoregen synth` (same --as-of,
so overdue visits and open events are those of the day the cohort was built for). Each
sampled patient's chart is requested through Django's test client as a clinician of the
synthetic site (session, access control, access record, every stage's hooks, template).
Floor: the login page requested without a session (middleware and a template, no patient
query), the least any page of the server costs; the ratio says what the chart adds to it.

Run of 2026-12-07, 2,000 synthetic patients (seed 1), 30 charts x 7 requests, medians in ms,
before (A: each stage's hooks reading their own rows, 44-45 queries) and after (B: one
ChartFacts, 28-29 queries), alternated A B A B on a shared 2-core machine (load average 2
for SQLite, 2-7 for PostgreSQL):

    SQLite      A 43.2  B 37.5  A 44.7  B 30.6   after/before 0.77; SQL 4.2 -> 2.5-3.0
    PostgreSQL  A 64.7  B 42.8  A 64.6  B 51.4   after/before 0.73; SQL 19.5 -> 12-16
    login page floor 1.4-2.8 ms: the chart is ~20-30x the floor after (~30-45x before)

The rest of a chart's time is Python: building the ORM queries and rendering the timeline.

Since the chart's content is cached per patient data version (clinic/chart_cache.py), each
round (`--rounds`) times the sampled charts cold (the cache emptied before every request:
every stage asked, the content stored), then warm (the same charts from the cache), then
the floor, and prints each ratio per round and their min/median/max with the load average.
Use a data directory of its own (--data-dir): the cache is emptied there at every cold
request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time


def median_ms(action, repeat: int, before=None) -> float:
    """Median of ``repeat`` timed calls of ``action``; ``before`` runs untimed before each."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def setup(data_dir: str | None) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    if data_dir:
        os.environ["ORTHOREGEN_DATA_DIR"] = os.path.abspath(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def clinician(site_code: str):
    from orthoregen.web.accounts.models import Site, User

    site = Site.objects.get(code=site_code)
    user, _ = User.objects.get_or_create(username="bench_chart",
                                         defaults={"role": "clinician"})
    user.sites.set([site])
    return user


def sample(site_code: str, n: int) -> list[int]:
    """Every k-th patient of the site, so the sample spans the cohort's whole range."""
    from orthoregen.web.clinic.models import Patient

    ids = list(Patient.objects.filter(site__code=site_code).order_by("pk")
               .values_list("pk", flat=True))
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="SQLite registry's data directory")
    parser.add_argument("--site", default="synthetic", help="site code of the registry")
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="the chart's today (default: today)")
    parser.add_argument("--patients", type=int, default=40, help="charts sampled")
    parser.add_argument("--repeat", type=int, default=7, help="requests per chart")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of cold, warm, floor")
    args = parser.parse_args()
    setup(args.data_dir)

    import time_machine
    from django.db import connection
    from django.test import Client

    if args.as_of:
        time_machine.travel(dt.datetime.combine(args.as_of, dt.time(12)), tick=True).start()
    client = Client()
    client.force_login(clinician(args.site))
    anonymous = Client()
    patients = sample(args.site, args.patients)
    assert patients, f"no patients at site {args.site}: load them with orthoregen synth"
    for pk in patients[:3]:  # warm imports, templates and the database's caches
        assert client.get(f"/patients/{pk}/").status_code == 200
    assert anonymous.get("/login/").status_code == 200
    statements: list[float] = []  # seconds in the database, per statement

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(time.perf_counter() - started)

    from django.core.cache import cache

    def get(pk: int):
        return lambda: client.get(f"/patients/{pk}/")

    with connection.execute_wrapper(timed):  # the query log is reset at each request
        cache.clear()
        get(patients[0])()
        cold_queries = len(statements)
        statements.clear()
        get(patients[0])()
        warm_queries = len(statements)
    print(f"database: {connection.vendor}; {len(patients)} charts x {args.repeat} requests "
          f"each round; queries per chart: cold {cold_queries}, from the cache {warm_queries}")
    print(f"{'round':<6}{'cold ms':>9}{'warm ms':>9}{'login ms':>10}{'cold/login':>12}"
          f"{'warm/login':>12}{'warm/cold':>11}{'load 1-min':>12}")
    ratios: dict[str, list[float]] = {"cold": [], "warm": [], "warm/cold": []}
    for n in range(args.rounds):
        # A: the cache emptied before each request (every stage asked, the content stored);
        # B: the same charts from the cache; the floor between them, all in this round.
        cold = statistics.median(median_ms(get(pk), args.repeat, before=cache.clear)
                                 for pk in patients)
        for pk in patients:
            get(pk)()
        warm = statistics.median(median_ms(get(pk), args.repeat) for pk in patients)
        floor = median_ms(lambda: anonymous.get("/login/"), args.repeat * 5)
        ratios["cold"].append(cold / floor)
        ratios["warm"].append(warm / floor)
        ratios["warm/cold"].append(warm / cold)
        print(f"{n + 1:<6}{cold:>9.1f}{warm:>9.1f}{floor:>10.1f}{cold / floor:>12.1f}"
              f"{warm / floor:>12.1f}{warm / cold:>11.2f}{os.getloadavg()[0]:>12.1f}")
    for name, values in ratios.items():
        print(f"{name + ' ratio':<18} min {min(values):.2f}  median "
              f"{statistics.median(values):.2f}  max {max(values):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
