"""Benchmark the coordinator's follow-up worklist on a large synthetic registry.

    ORTHOREGEN_ENV=demo .venv/bin/orthoregen synth --patients 100000 --seed 1 \
        --as-of 2026-11-25 --data-dir /tmp/bench_worklist/sqlite
    .venv/bin/python bench/bench_worklist.py --data-dir /tmp/bench_worklist/sqlite \
        --as-of 2026-11-25                                                    # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_worklist \
        .venv/bin/python bench/bench_worklist.py --as-of 2026-11-25           # PostgreSQL

The registry is read, never emptied: load it first with `orthoregen synth` (same --as-of,
so the worklist sees the day the cohort was built for). The page is timed through Django's
test client as a coordinator of the synthetic site (session, access control, audit record,
template). Floor: one COUNT(*) over the visits table, the least a page that had to look at
every visit would cost.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import math
import os
import pstats
import statistics
import sys
import time

GOAL = 2.0  # the worklist's goal: at most twice the floor


def median_ms(action, repeat: int = 7) -> float:
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

    call_command("migrate", interactive=False, verbosity=0)  # adds this branch's indexes
    call_command("collectstatic", interactive=False, verbosity=0)


def sql_ms(sql: str, repeat: int = 7) -> float:
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return median_ms(run, repeat)


def coordinator(site_code: str):
    from orthoregen.web.accounts.models import Site, User

    site = Site.objects.get(code=site_code)
    user, _ = User.objects.get_or_create(username="bench_worklist",
                                         defaults={"role": "coordinator"})
    user.sites.set([site])
    return user


def query_log(client, path: str, params: dict) -> None:
    """Print each SQL statement of one request with its time, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path, params)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    print(f"{len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.1f} ms")
    for query in queries[:12]:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="SQLite registry's data directory")
    parser.add_argument("--site", default="synthetic", help="site code of the registry")
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        help="the worklist's today (default: today)")
    parser.add_argument("--pairs", type=int, default=7,
                        help="floor and page timed alternately this many times (at least 5)")
    parser.add_argument("--profile", action="store_true",
                        help="print each query's time and the top of a profile")
    args = parser.parse_args()
    setup(args.data_dir)

    import time_machine
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from orthoregen.web.accounts.access import scope
    from orthoregen.web.followup.models import FollowUpSchedule
    from orthoregen.web.followup.worklist import ROWS, worklist_sections

    if args.as_of:
        time_machine.travel(dt.datetime.combine(args.as_of, dt.time(12)), tick=True).start()
    user = coordinator(args.site)
    client = Client()
    client.force_login(user)
    response = client.get("/followup/")  # warm imports and templates
    assert response.status_code == 200, response.status_code
    sections = worklist_sections(user, timezone.localdate())
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} (1 min)")
    print("sections: " + ", ".join(f"{name} {section[1]:,}" for name, section in
                                   sections.items()))
    last_due = math.ceil(sections["due"][1] / ROWS)
    probes = [("worklist, first page", {}),
              ("worklist, due page 2", {"due_page": "2"}),
              (f"worklist, due page {last_due} (last)", {"due_page": str(last_due)})]
    floor_sql = "SELECT count(*) FROM followup_scheduledvisit"
    print(f"floor: {floor_sql}; {args.pairs} pairs, floor and page alternated (A B A B)")
    print(f"{'page':<34}{'floor ms':>10}{'page ms':>10}"
          f"{'ratio min/median/max':>24}  goal <= {GOAL}x")
    for label, params in probes:
        floors, pages = [], []
        for _ in range(args.pairs):
            floors.append(sql_ms(floor_sql, repeat=1))
            pages.append(median_ms(lambda p=params: client.get("/followup/", p), repeat=1))
        ratios = sorted(page / floor for page, floor in zip(pages, floors, strict=True))
        verdict = "meets" if statistics.median(ratios) <= GOAL else "misses"
        print(f"{label:<34}{statistics.median(floors):>10.1f}{statistics.median(pages):>10.1f}"
              f"{ratios[0]:>10.2f}{statistics.median(ratios):>8.2f}{ratios[-1]:>8.2f}"
              f"  {verdict} the goal (load {os.getloadavg()[0]:.1f})")
    # For reference, the site test the counts paid before the site copy: the user's
    # schedules, through joint and patient to site.
    schedules = scope(FollowUpSchedule.objects, user)
    label = "site test by join: COUNT of schedules"
    print(f"{label:<34}{median_ms(schedules.count):>10.1f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min)")
    if args.profile:
        query_log(client, "/followup/", {})
        profile = cProfile.Profile()
        profile.runcall(client.get, "/followup/")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
