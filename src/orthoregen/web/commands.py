"""Command-line sub-commands that need Django: demo, serve, synth, migrate, manage.

Django is set up inside each handler, after the data directory and mode are known, so the
rest of the command line (scoring, for example) runs without any settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from orthoregen.web.django_setup import setup_django


def _prepare_database_and_static() -> None:
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _run_gunicorn(bind: str, workers: int) -> int:
    """Replace this process with gunicorn serving the WSGI application."""
    argv = [sys.executable, "-m", "gunicorn", "orthoregen.web.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--access-logfile", "-"]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def demo(args: argparse.Namespace) -> int:
    setup_django(mode="demo", data_dir=args.data_dir)
    from django.conf import settings

    from orthoregen.web import demo as demo_clinic

    _prepare_database_and_static()
    if demo_clinic.demo_exists():
        print(f"Reusing the demo clinic in {settings.DATA_DIR}")
    else:
        print(f"Creating the demo clinic in {settings.DATA_DIR} …")
        demo_clinic.demo_create(as_of=dt.date.today())
    print(demo_clinic.demo_credentials())
    print(f"\nServing on http://127.0.0.1:{args.port}/  (Ctrl-C stops)\n")
    return _run_gunicorn(f"127.0.0.1:{args.port}", workers=2)


def serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return _run_gunicorn(args.bind, args.workers)


def migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    return 0


def synth(args: argparse.Namespace) -> int:
    """Load a synthetic cohort, only into a demo or test database holding no real patient."""
    from orthoregen.web.environment import env_str

    # Checked before Django starts, so a refusal writes nothing, not even migrations.
    if env_str("ORTHOREGEN_ENV", "production") not in ("demo", "test"):
        print("orthoregen synth writes fake patients: it runs only with ORTHOREGEN_ENV=demo or "
              "test", file=sys.stderr)
        return 2
    setup_django(data_dir=args.data_dir)
    from django.core.management import call_command
    from django.db import transaction
    from rich.progress import Progress

    from orthoregen.web.synthetic import SynthError
    from orthoregen.web.synthetic.clinic import (
        database_refusal,
        synth_load,
        synthetic_site,
        vacuum_after_load,
    )

    if refusal := database_refusal(args.site):
        print(f"orthoregen synth writes fake patients: {refusal}", file=sys.stderr)
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    started, seconds = dt.datetime.now(), dict[str, float]()
    try:
        with Progress() as progress, transaction.atomic():
            site = synthetic_site(args.site, f"Site {args.site}")
            cohort = synth_load(site, args.patients, seed=args.seed, as_of=args.as_of,
                                progress=progress, seconds=seconds)
    except SynthError as error:
        print(f"orthoregen synth: {error}", file=sys.stderr)
        return 2
    vacuum_after_load()  # after the load's transaction: index-only reads from the start
    total = (dt.datetime.now() - started).total_seconds()
    stages = ", ".join(f"{name} {time:.1f} s" for name, time in seconds.items())
    print(f"Loaded {len(cohort.patients)} patients, {len(cohort.episodes)} joint episodes and "
          f"{len(cohort.encounters)} encounters into site {site.code} in {total:.1f} s "
          f"({stages}).")
    return 0


def manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["orthoregen manage", *args.arguments])
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def register(subparsers: Any) -> None:
    """Add the web sub-commands to the orthoregen command line."""
    p = subparsers.add_parser("demo", help="run the demo clinic on the embedded database")
    p.add_argument("--port", type=_positive, default=8000)
    p.add_argument("--data-dir", help="where the demo keeps its database (default ./var)")
    p.set_defaults(handler=demo)

    p = subparsers.add_parser("serve", help="serve the configured database with gunicorn")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.add_argument("--workers", type=_positive, default=4)
    p.set_defaults(handler=serve)

    p = subparsers.add_parser("migrate", help="create or update the database tables")
    p.set_defaults(handler=migrate)

    p = subparsers.add_parser("synth", help="load a synthetic cohort (demo and test databases "
                              "only; refuses production and real patients)")
    p.add_argument("--patients", type=_positive, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--site", default="synthetic", help="site code (created if missing)")
    p.add_argument("--as-of", type=_date, default=dt.date.today(),
                   help="the cohort's 'today' (default: today); same seed and date, same cohort")
    p.add_argument("--data-dir")
    p.set_defaults(handler=synth)

    p = subparsers.add_parser("manage", help="run a Django management command")
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    p.set_defaults(handler=manage)
