"""Benchmark the cohort dashboard on a large synthetic registry, against a one-scan floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench_dashboard \
        .venv/bin/python bench/bench_dashboard.py --patients 100000
    # an existing registry (read-only apart from the bench user and its access records):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench100k \
        .venv/bin/python bench/bench_dashboard.py --reuse --site synthetic --pairs 7

The database named by DATABASE_URL is emptied first: point it at a scratch database.
The registry is the one `orthoregen synth` builds (follow-up questionnaires and scores from
the synthetic follow-up stage, the registry's fact tables from the registry stage). Floors:
one sequential scan of the registry's score table and of the follow-up questionnaire
table (count and mean over every row), which no dashboard that reads the scores can beat.

The headline is the unfiltered cold dashboard (the first request after a refresh: the
results cache emptied) timed against the score-table scan interleaved, A B A B, so that
both see the same machine: the ratio of each pair, min / median / max, with the load
average before and after (the machine is shared and its speed moves 2-3x with load).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import sys
import tempfile
import time

AS_OF = dt.date(2026, 6, 30)


def median_ms(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def setup(data_dir: str, *, reuse: bool) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "clinic_patient" in connection.introspection.table_names() and not reuse:
        call_command("flush", interactive=False, verbosity=0)
    if not reuse:  # a reused registry may be shared: its schema is left as it is
        call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def scan_ms(table: str) -> float:
    from django.db import connection

    def scan():
        with connection.cursor() as cursor:
            if table == "registry_scorefact":
                cursor.execute(f"SELECT count(*), avg(value) FROM {table}")
            else:
                cursor.execute(f"SELECT count(*), count(scores) FROM {table}")
            cursor.fetchall()

    return median_ms(scan)


def scan_once() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), avg(value) FROM registry_scorefact")
        cursor.fetchall()


def interleaved(floor, work, pairs: int) -> list[tuple[float, float]]:
    """Time floor and work alternately (A B A B ...); return (floor s, work s) per pair."""
    timed = []
    for _ in range(pairs):
        times = []
        for action in (floor, work):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        timed.append((times[0], times[1]))
    return timed


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="print the top of a profile")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the registry a previous run loaded (times the pages only)")
    parser.add_argument("--site", default="bench",
                        help="code of the site whose registry is shown (with --reuse)")
    parser.add_argument("--pairs", type=int, default=7,
                        help="floor/dashboard pairs timed interleaved (at least 5)")
    parser.add_argument("--ratio-only", action="store_true",
                        help="time only the unfiltered cold dashboard against its floor")
    args = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="orthoregen-bench-"), reuse=args.reuse)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from orthoregen.web.accounts.models import Site, User
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.registry.services import facts_refresh, vacuum_facts
    from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

    print(f"database: {connection.vendor}")
    site = Site.objects.filter(code=args.site).first()
    if site is None or not args.reuse:
        site = synthetic_site("bench", "Bench clinic")
        started = time.perf_counter()
        synth_load(site, args.patients, seed=1, as_of=AS_OF)
        print(f"synthetic load, every stage: {args.patients} patients in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        facts_refresh(JointEpisode.objects.filter(patient__site=site), as_of=AS_OF)
        print(f"registry-refresh of the whole site: {time.perf_counter() - started:.1f} s")
    if not args.reuse:
        vacuum_facts()  # what registry-refresh does after a refresh: index-only reads, statistics
    print(f"questionnaires: {count('followup_questionnaireresponse'):,}; registry score rows: "
          f"{count('registry_scorefact'):,}; joints: {count('registry_episodefact'):,}")

    user, _ = User.objects.get_or_create(username="bench", defaults={"role": "analyst"})
    user.sites.set([site])
    client = Client()
    client.force_login(user)
    probes = [
        ("dashboard, all joints", {}),
        ("dashboard, knee", {"joint": "knee"}),
        ("dashboard, knee KL3, 2025", {"joint": "knee", "grade": "3",
                                       "treated_from": "2025-01-01",
                                       "treated_to": "2025-12-31"}),
        ("dashboard, hip, WOMAC function", {"joint": "hip",
                                            "measure": "womac_lk31:function_normalised"}),
    ]
    client.get("/registry/", {"joint": "shoulder"})  # warm imports, templates, evidence library
    client.get("/registry/")

    def cold() -> None:
        cache.clear()  # the first request after a refresh: nothing computed yet
        response = client.get("/registry/")
        assert response.status_code == 200, response.status_code

    pairs = max(args.pairs, 5)
    before = load_average()
    timed = interleaved(scan_once, cold, pairs)
    after = load_average()
    ratios = sorted(work / floor for floor, work in timed)
    floors = sorted(f * 1000 for f, _ in timed)
    works = sorted(w * 1000 for _, w in timed)
    print(f"unfiltered cold dashboard against one scan of registry_scorefact, {pairs} pairs "
          f"A B A B; load average {before} before, {after} after")
    print(f"  floor ms      min {floors[0]:8.1f}  median {statistics.median(floors):8.1f}  "
          f"max {floors[-1]:8.1f}")
    print(f"  dashboard ms  min {works[0]:8.1f}  median {statistics.median(works):8.1f}  "
          f"max {works[-1]:8.1f}")
    print(f"  ratio         min {ratios[0]:8.2f}  median {statistics.median(ratios):8.2f}  "
          f"max {ratios[-1]:8.2f}   (goal <= 2)")
    if args.ratio_only:
        return 0
    print(f"{'page':<34}{'cold ms':>10}{'cached ms':>11}")
    for label, params in probes:
        # Cold: computed from the fact tables (the results cache emptied before each run).
        cold = median_ms(lambda p=params: (cache.clear(), client.get("/registry/", p)), 3)
        response = client.get("/registry/", params)
        assert response.status_code == 200, response.status_code
        warm = median_ms(lambda p=params: client.get("/registry/", p))
        print(f"{label:<34}{cold:>10.1f}{warm:>11.1f}")
    # The progress report reads one patient's records in memory (no fact rows) on each view.
    clinician, _ = User.objects.get_or_create(username="bench-clinician",
                                              defaults={"role": "clinician"})
    clinician.sites.set([site])
    reader = Client()
    reader.force_login(clinician)
    patient = JointEpisode.objects.filter(patient__site=site, questionnaire_responses__isnull=False
                                          ).values_list("patient_id", flat=True).first()
    report = median_ms(lambda: reader.get(f"/registry/patients/{patient}/report/"))
    print(f"{'progress report of one patient':<34}{report:>10.1f}")
    print(f"{'floor: scan of registry_scorefact':<34}{scan_ms('registry_scorefact'):>10.1f}")
    print(f"{'scan of followup_questionnaireresponse':<34}"
          f"{scan_ms('followup_questionnaireresponse'):>10.1f}")
    if args.profile:
        profile = cProfile.Profile()
        cache.clear()
        profile.runcall(client.get, "/registry/", {"joint": "knee"})
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
