"""Benchmark the registry at scale: synthetic load against COPY, and the patient list.

    .venv/bin/python bench/bench_registry.py --patients 100000               # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orthoregen_bench \
        .venv/bin/python bench/bench_registry.py --patients 100000           # PostgreSQL

The database named by DATABASE_URL is emptied first: point it at a scratch database.
Floors: for the load, PostgreSQL's own COPY of the same patient rows; for pages, the page's
main SQL query run directly on the connection (what no ORM or template can beat).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time

AS_OF = dt.date(2026, 6, 30)


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


def copy_floor_seconds(n: int) -> float | None:
    """Time PostgreSQL COPY of the same patient rows into a scratch table (None on SQLite)."""
    from django.db import connection

    from orthoregen.synth.cohort import generate_cohort

    if connection.vendor != "postgresql":
        return None
    patients = generate_cohort(n, seed=99, as_of=AS_OF).patients
    buffer = io.StringIO()
    patients.drop(columns=["bmi"]).to_csv(buffer, index=False, header=False)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_floor (LIKE clinic_patient INCLUDING DEFAULTS)")
        cursor.execute("ALTER TABLE copy_floor DROP COLUMN id, DROP COLUMN site_id, "
                       "DROP COLUMN address, DROP COLUMN created_at")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY copy_floor (mrn, family_name, given_name, date_of_birth, "
                                "sex, phone, email) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
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
    cohort = synth_load(site, args.patients, seed=1, as_of=AS_OF)
    load_s = time.perf_counter() - started
    rows = len(cohort.patients) + len(cohort.episodes) + len(cohort.encounters)
    print(f"database: {connection.vendor}")
    print(f"synthetic load: {args.patients} patients, {rows} rows in {load_s:.1f} s "
          f"({rows / load_s:,.0f} rows/s)")
    floor = copy_floor_seconds(args.patients)
    if floor is not None:
        patient_share = args.patients / rows  # compare like with like: patient rows only
        patients_s = load_s * patient_share
        print(f"COPY floor: {args.patients} patient rows in {floor:.2f} s; ORM bulk load of "
              f"patients ~{patients_s:.2f} s -> ratio {patients_s / floor:.1f}x")

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
    print(f"{'page':<26}{'median ms':>10}{'SQL floor ms':>14}{'ratio':>8}")
    for label, params, queryset in probes:
        page_ms = median_ms(lambda p=params: client.get("/patients/", p))
        floor_ms = median_ms(lambda q=queryset: list(q.all()))  # .all(): no result cache
        print(f"{label:<26}{page_ms:>10.1f}{floor_ms:>14.1f}{page_ms / floor_ms:>8.1f}")
    patient = ordered[500]
    page_ms = median_ms(lambda: client.get(f"/patients/{patient.pk}/"))
    print(f"{'patient page':<26}{page_ms:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
