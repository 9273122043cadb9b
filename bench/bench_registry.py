"""Benchmark the patient list at registry scale: first page, a deep page and searches.

    .venv/bin/python bench/bench_registry.py --patients 100000               # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench \
        .venv/bin/python bench/bench_registry.py --patients 100000           # PostgreSQL

The database named by DATABASE_URL is emptied first: point it at a scratch database; the
foundation stage of `orthoregen synth` (patients, joints, encounters) is loaded into it.
Each page is timed through Django's test client (session, access control, the access
record, the template) beside its floors: the page's main SQL query run directly on the
connection (what no ORM or template can beat) and the login page (the least any page
costs). The goal is a single request under 50 ms; the same pages under 50 concurrent
clients are bench_load.py's. How fast the whole pathway loads, against `pg_restore` of the
same rows, is in bench/README.md (Synthetic package): the foundation's load time printed
here is for orientation only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time

AS_OF = dt.date(2026, 6, 30)
GOAL_MS = 50.0  # any list page or search, one request


def median_ms(action, repeat: int = 7) -> float:
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

    call_command("flush", interactive=False, verbosity=0) if _tables_exist() else None
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _tables_exist() -> bool:
    from django.db import connection

    return "clinic_patient" in connection.introspection.table_names()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--full", action="store_true",
                        help="load every pathway stage, not only patients, joints and encounters")
    args = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="orthoregen-bench-"))

    from django.db import connection
    from django.db.models import Q
    from django.test import Client

    from orthoregen.web.accounts.access import scope
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import Patient
    from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

    site = synthetic_site("bench", "Bench clinic")
    started = time.perf_counter()
    cohort = synth_load(site, args.patients, seed=1, as_of=AS_OF,
                        **({} if args.full else {"stages": ()}))
    load_s = time.perf_counter() - started
    rows = len(cohort.patients) + len(cohort.episodes) + len(cohort.encounters)
    print(f"database: {connection.vendor}")
    print(f"synthetic load: {args.patients} patients, {rows} rows in {load_s:.1f} s "
          f"({rows / load_s:,.0f} rows/s)")

    user = User.objects.create_user("bench", role="clinician")
    user.sites.set([site])
    client = Client()
    client.force_login(user)
    ordered = scope(Patient.objects.all(), user).order_by("family_name", "given_name", "id")
    # The list pages by keyset (`after` = the last patient shown), not by page number: the
    # deep probe opens the page after the 49,975th patient, as "Next" 2,000 times would.
    deep = ordered[min(49974, max(args.patients - 26, 0))]
    f, g = deep.family_name, deep.given_name
    after_deep = ordered.filter(Q(family_name__gt=f) | Q(family_name=f, given_name__gt=g)
                                | Q(family_name=f, given_name=g, id__gt=deep.pk))
    probes = [
        ("patient list, page 1", {}, ordered[:25]),
        ("list after patient 49,975", {"after": deep.pk}, after_deep[:25]),
        ("search by family name", {"q": "Smith"},
         ordered.filter(family_name__istartswith="Smith")[:25]),
        ("search by MRN", {"q": "SYN1-054321"}, ordered.filter(mrn__iexact="SYN1-054321")[:25]),
    ]
    anonymous = Client()
    print(f"{'page':<26}{'median ms':>10}{'SQL floor ms':>14}{'ratio':>8}{'login ms':>10}"
          f"  goal < {GOAL_MS:.0f} ms")
    for label, params, queryset in probes:
        page_ms = median_ms(lambda p=params: client.get("/patients/", p))
        floor_ms = median_ms(lambda q=queryset: list(q.all()))  # .all(): no result cache
        login_ms = median_ms(lambda: anonymous.get("/login/"))
        verdict = "meets" if page_ms < GOAL_MS else "misses"
        print(f"{label:<26}{page_ms:>10.1f}{floor_ms:>14.1f}{page_ms / floor_ms:>8.1f}"
              f"{login_ms:>10.1f}  {verdict} (load {os.getloadavg()[0]:.1f})")
    patient = ordered[500]
    page_ms = median_ms(lambda: client.get(f"/patients/{patient.pk}/"))
    print(f"{'patient page':<26}{page_ms:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
