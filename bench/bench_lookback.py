"""Benchmark look-back on a large synthetic registry: donor, lot, harvest and patient.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_cellbank_bench \\
        ORTHOREGEN_ENV=demo .venv/bin/orthoregen synth --patients 100000 --seed 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_cellbank_bench \\
        .venv/bin/python bench/bench_lookback.py

    .venv/bin/python bench/bench_lookback.py --load 20000 --only-cellbank   # SQLite, scratch

Each look-back is one recursive SQL query (orthoregen.web.cellbank.lookback). Floors: a
single primary-key lookup (the cost of any round trip), and the same donor's units and
recipients fetched by a flat query on the donor_id index (possible only because split
units copy their donor; the recursive query does not rely on that).

The page (session, access control, the access record it writes, template) is then timed
against the flat query alternately, A B A B (`--pairs`, at least 5), and its median is
set beside the goal (under 30 ms). The benchmark writes: a lab user, its session, and an
access record per page view, so run it on a registry of your own, never a shared one.
`--profile` prints the page's queries and the top of a profile.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import tempfile
import time

AS_OF = dt.date(2026, 6, 30)
PAGE_GOAL_MS = 30.0  # the goal set for the look-back page: under 30 ms


def median_ms(action, repeat: int = 9) -> float:
    action()  # warm the cache: look-back is interactive, run on a live database
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def setup(data_dir: str) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def load(patients: int, *, only_cellbank: bool) -> None:
    """Load a synthetic registry, timing each pathway stage.

    With only_cellbank only the cell lab and procedure room stages run, so they are timed
    alone (they do not read the other stages' rows).
    """
    from orthoregen.web.synthetic.clinic import STAGES, synth_load, synthetic_site

    site = synthetic_site("bench", "Bench")
    stages = ("cellbank", "procedures") if only_cellbank else STAGES
    timings: dict[str, float] = {}
    started = time.perf_counter()
    synth_load(site, patients, seed=1, as_of=AS_OF, stages=stages, seconds=timings)
    total = time.perf_counter() - started
    stages_text = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in timings.items())
    print(f"synthetic load: {patients} patients in {total:.1f} s ({stages_text})")


def one(sql: str, params=()) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def run(pairs: int, *, profile: bool) -> None:
    from django.db import connection

    from orthoregen.web.cellbank import lookback
    from orthoregen.web.cellbank.models import Administration, ProductUnit

    u, a = lookback.UNIT, lookback.ADMIN
    counts = {m.__name__: m.objects.count() for m in (ProductUnit, Administration)}
    print(f"database: {connection.vendor}; {counts['ProductUnit']} units, "
          f"{counts['Administration']} administrations")
    if not counts["Administration"]:
        raise SystemExit("no administrations: load a registry first (see the docstring)")
    donor_id, site_id = one(
        f"SELECT u.donor_id, u.site_id FROM {u} u JOIN {a} ad ON ad.unit_id = u.id "
        "WHERE u.donor_id IS NOT NULL GROUP BY u.donor_id, u.site_id "
        "ORDER BY count(*) DESC LIMIT 1")
    lot_id = one(f"SELECT id FROM {u} WHERE donor_id = %s AND parent_id IS NULL", [donor_id])[0]
    harvest_id = one(f"SELECT harvest_id FROM {u} WHERE harvest_id IS NOT NULL LIMIT 1")[0]
    patient_id = one(f"SELECT e.patient_id FROM {a} ad JOIN {lookback.PJOINT} pj "
                     f"ON pj.id = ad.procedure_joint_id JOIN {lookback.EPISODE} e "
                     f"ON e.id = pj.episode_id JOIN {u} x ON x.id = ad.unit_id "
                     "WHERE x.parent_id IS NOT NULL LIMIT 1")[0]
    sites = [site_id]
    rows = lookback.lookback_from_donor(donor_id, site_ids=sites)
    given = [r for r in rows if r.patient_id]
    print(f"donor {donor_id}: {len(rows)} units, {len(given)} administrations, "
          f"{len({r.patient_id for r in given})} patients")
    flat = (f"SELECT u.id, ad.administered_at FROM {u} u LEFT JOIN {a} ad ON ad.unit_id = u.id "
            "WHERE u.donor_id = %s")
    results = [
        ("look-back from a donor", lambda: lookback.lookback_from_donor(donor_id,
                                                                        site_ids=sites)),
        ("look-back from its lot", lambda: lookback.lookback_from_units([lot_id],
                                                                        site_ids=sites)),
        ("look-back from a harvest", lambda: lookback.lookback_from_harvest(harvest_id,
                                                                            site_ids=sites)),
        ("products received (patient)", lambda: lookback.products_received(patient_id)),
        ("floor: flat donor_id query", lambda: one(flat, [donor_id])),
        ("floor: one primary-key lookup", lambda: one(f"SELECT id FROM {u} WHERE id = %s",
                                                     [lot_id])),
    ]
    results.insert(1, ("look-back page (donor)", page_action(site_id, donor_id)))
    print(f"{'query':<32}{'median ms':>10}")
    for label, action in results:
        print(f"{label:<32}{median_ms(action):>10.2f}")
    page_against_floor(results[1][1], lambda: one(flat, [donor_id]), pairs)
    if profile:
        profile_page(results[1][1])


def page_against_floor(page, floor, pairs: int) -> None:
    """Time the floor and the page alternately; print the ratio and the page beside its goal."""
    floors, pages = [], []
    for _ in range(pairs):
        floors.append(median_ms(floor, repeat=1))
        pages.append(median_ms(page, repeat=1))
    ratios = sorted(p / f for p, f in zip(pages, floors, strict=True))
    page_ms = statistics.median(pages)
    verdict = "meets" if page_ms < PAGE_GOAL_MS else "misses"
    print(f"page against the flat donor query, {pairs} pairs (A B A B): floor "
          f"{statistics.median(floors):.2f} ms, page {page_ms:.1f} ms (min {min(pages):.1f}, "
          f"max {max(pages):.1f}); ratio min/median/max {ratios[0]:.1f} "
          f"{statistics.median(ratios):.1f} {ratios[-1]:.1f}; {verdict} the goal "
          f"(page < {PAGE_GOAL_MS:.0f} ms); load average {os.getloadavg()[0]:.1f} (1 min)")


def profile_page(page) -> None:
    """Print each statement of one page view with its time, then the top of a profile."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page()
    queries = captured.captured_queries
    print(f"{len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.1f} ms")
    for query in queries:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:160]}")
    profiler = cProfile.Profile()
    for _ in range(5):
        profiler.runcall(page)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def page_action(site_id: int, donor_id: int):
    """Return a request of the look-back page as lab staff (session, access, audit, template)."""
    from django.test import Client

    from orthoregen.web.accounts.models import User
    from orthoregen.web.accounts.roles import Role

    user, _ = User.objects.get_or_create(username="bench-lab", defaults={"role": Role.LAB})
    user.sites.add(site_id)
    client = Client()
    client.force_login(user)

    def fetch():
        response = client.get(f"/cellbank/lookback/?donor={donor_id}")
        assert response.status_code == 200, response.status_code
    return fetch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, metavar="PATIENTS",
                        help="first load a synthetic registry of this many patients")
    parser.add_argument("--only-cellbank", action="store_true",
                        help="with --load, run only the cell lab's synthetic stage")
    parser.add_argument("--pairs", type=int, default=7,
                        help="floor and page timed alternately this many times (at least 5)")
    parser.add_argument("--profile", action="store_true",
                        help="print the page's queries and the top of a profile")
    args = parser.parse_args()
    if args.pairs < 5:
        parser.error("--pairs: at least 5")
    with tempfile.TemporaryDirectory() as scratch:
        setup(scratch)
        if args.load:
            load(args.load, only_cellbank=args.only_cellbank)
        run(args.pairs, profile=args.profile)


if __name__ == "__main__":
    main()
