"""Benchmark patient search at registry scale: p50 and p95 of the patient list's search
against a floor, interleaved, on a synthetic registry.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench \
        .venv/bin/python bench/bench_search.py --patients 100000       # PostgreSQL
    .venv/bin/python bench/bench_search.py --patients 100000           # SQLite, temporary

The database named by DATABASE_URL is emptied first: point it at a scratch database. The
registry is the foundation stage of `orthoregen synth` (patients, joints, encounters), which
is all a search reads; `--full` loads every stage. Each round times, in turn, the floor
(the login page: session, middleware and a template, no patient query; and a primary-key
lookup of one patient on the connection) and every search, so a noisy neighbour slows both
alike. Searches go through Django's test client: access control, the form, the query, the
access record, the template.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

AS_OF = dt.date(2026, 6, 30)


def setup(data_dir: str) -> None:
    os.environ.setdefault("ORTHOREGEN_ENV", "demo")
    os.environ["ORTHOREGEN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "orthoregen.web.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "clinic_patient" in connection.introspection.table_names():
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1) of the values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--full", action="store_true",
                        help="load every pathway stage, not only patients, joints and encounters")
    args = parser.parse_args()
    setup(tempfile.mkdtemp(prefix="orthoregen-bench-"))

    from django.db import connection
    from django.test import Client

    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import Patient
    from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

    site = synthetic_site("bench", "Bench clinic")
    started = time.perf_counter()
    synth_load(site, args.patients, seed=1, as_of=AS_OF, **({} if args.full else {"stages": ()}))
    print(f"database: {connection.vendor}; {Patient.objects.count():,} patients loaded in "
          f"{time.perf_counter() - started:.1f} s")

    user = User.objects.create_user("bench", role="coordinator")
    user.sites.set([site])
    client = Client()
    client.force_login(user)
    anonymous = Client()
    someone = Patient.objects.order_by("pk")[args.patients // 2]
    phone_digits = "".join(ch for ch in someone.phone if ch.isdigit())
    searches = {
        "two names, either order": f"{someone.given_name} {someone.family_name}",
        "'Family, G'": f"{someone.family_name}, {someone.given_name[0]}",
        "partial family name": someone.family_name[:4].lower(),
        "date of birth dd/mm/yyyy": f"{someone.date_of_birth:%d/%m/%Y}",
        "date of birth 6 Dec 1961": f"{someone.date_of_birth.day} "
                                    f"{someone.date_of_birth:%b %Y}",
        "MRN": someone.mrn,
        "phone (last 9 digits)": phone_digits[-9:] or "000000",
        "email": someone.email or "nobody@example.org",
        "no match": "zzqx wyvv",
    }
    pk_sql = f"SELECT * FROM {Patient._meta.db_table} WHERE id = %s"

    def pk_lookup() -> None:
        with connection.cursor() as cursor:
            cursor.execute(pk_sql, [someone.pk])
            cursor.fetchall()

    floors: dict[str, Callable[[], object]] = {
        "floor: login page": lambda: anonymous.get("/login/"),
        "floor: primary-key lookup (SQL)": pk_lookup,
    }
    probes = {**floors, **{f"search: {label}": (lambda q=q: client.get("/patients/", {"q": q}))
                           for label, q in searches.items()}}
    for label, query in searches.items():  # each must work before it is timed
        response = client.get("/patients/", {"q": query})
        assert response.status_code == 200, (label, response.status_code)
        found_none = "0 patients" in response.content.decode()
        assert found_none == (label == "no match"), label
        if label in ("MRN", "email", "two names, either order"):
            assert someone.mrn in response.content.decode() or label != "MRN", label
    for action in probes.values():  # warm caches and connections
        action()
    times: dict[str, list[float]] = {label: [] for label in probes}
    for _ in range(args.rounds):
        for label, action in probes.items():
            times[label].append(timed(action))
    print(f"rounds: {args.rounds}, interleaved")
    print(f"{'probe':<40}{'p50 ms':>9}{'p95 ms':>9}")
    for label, values in times.items():
        print(f"{label:<40}{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN SELECT id FROM clinic_patient WHERE search_text LIKE %s "
                           "AND search_text LIKE %s", ["% okafor%", "% lindq%"])
            plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:4])
        print(f"plan of a two-word search: {plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
