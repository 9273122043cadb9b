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
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
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

    with connection.execute_wrapper(timed):  # the query log is reset at each request
        client.get(f"/patients/{patients[0]}/")
        per_chart = len(statements)
        statements.clear()
        charts = [median_ms(lambda pk=pk: client.get(f"/patients/{pk}/"), args.repeat)
                  for pk in patients]
    sql = sum(statements) * 1000 / (len(patients) * args.repeat)
    floor = median_ms(lambda: anonymous.get("/login/"), args.repeat * 5)
    chart = statistics.median(charts)
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} (1 min)")
    print(f"charts sampled: {len(patients)}, {args.repeat} requests each; "
          f"{per_chart} queries per chart")
    print(f"{'page':<36}{'median ms':>10}")
    print(f"{'patient chart (median of charts)':<36}{chart:>10.1f}")
    print(f"{'slowest chart sampled':<36}{max(charts):>10.1f}")
    print(f"{'of which SQL (mean per chart)':<36}{sql:>10.1f}")
    print(f"{'floor: login page, no session':<36}{floor:>10.1f}")
    print(f"ratio chart / login floor: {chart / floor:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
