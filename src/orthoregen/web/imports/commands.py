"""Command-line sub-commands: `orthoregen import` and `orthoregen redcap export|import`.

Django is set up inside each handler (orthoregen.web.django_setup), so the rest of the
command line runs without settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orthoregen.web.django_setup import setup_django

KINDS = ("patients", "episodes", "procedures", "responses", "scores")

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User
    from orthoregen.web.imports.services import ImportReport


def _site_and_user(command: str, site_code: str | None, username: str | None
                   ) -> tuple[Site, User]:
    from orthoregen.web.accounts.models import User

    if not username:
        raise SystemExit(f"orthoregen {command}: name the member of staff the import is "
                         "recorded under with --by USERNAME")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise SystemExit(f"orthoregen {command}: no active user {username!r}")
    sites = user.sites.all()
    if site_code:
        site = sites.filter(code=site_code).first()
        if site is None:
            raise SystemExit(f"orthoregen {command}: {username} does not work at a site "
                             f"{site_code!r}")
    elif len(sites) == 1:
        site = sites[0]
    else:
        raise SystemExit(f"orthoregen {command}: {username} works at {len(sites)} sites; "
                         "choose one with --site CODE")
    return site, user


def print_report(report: ImportReport) -> int:
    """Print every problem and changed row, then the summary; return the exit status."""
    for problem in report.problems:
        print(problem)
    for row, source_id in report.changed:
        print(f"row {row}: {source_id} was imported before with other values; not applied "
              "(correct the record on its page, with a reason)")
    print(report.summary())
    print(f"file SHA-256 {report.sha256}")
    return 1 if report.problems else 0


def import_command(args: argparse.Namespace) -> int:
    setup_django()
    from rich.progress import Progress

    from orthoregen.web.imports.services import ImportRefused, import_file

    site, user = _site_and_user("import", args.site, args.by)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SystemExit(f"orthoregen import: cannot read {path}: {error.strerror}") from None
    with Progress(transient=True) as progress:
        task = progress.add_task(f"importing {args.kind}", total=None)
        try:
            report = import_file(args.kind, data, file_name=path.name, site=site, by=user,
                                 dry_run=args.dry_run,
                                 advance=lambda n: progress.advance(task, n))
        except ImportRefused as error:
            print(f"orthoregen import: {error}", file=sys.stderr)
            return 2
    return print_report(report)


def redcap_export_command(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.imports.redcap import export_project

    sites = Site.objects.filter(code=args.site) if args.site else Site.objects.all()
    if args.site and not sites.exists():
        raise SystemExit(f"orthoregen redcap export: no site with code {args.site!r}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = export_project(list(sites), out)
    for name, rows in written.items():
        print(f"{out / name}: {rows} rows")
    return 0


def redcap_import_command(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.imports.redcap import RedcapError, import_records

    site, user = _site_and_user("redcap import", args.site, args.by)
    try:
        reports = import_records(Path(args.records), dictionary=Path(args.dictionary),
                                 mapping=Path(args.mapping) if args.mapping else None,
                                 site=site, by=user, dry_run=args.dry_run)
    except RedcapError as error:
        print(f"orthoregen redcap import: {error}", file=sys.stderr)
        return 2
    status = 0
    for report in reports:
        status = max(status, print_report(report))
    return status


def register(subparsers: Any) -> None:
    """Add the import and REDCap sub-commands to the orthoregen command line."""
    p = subparsers.add_parser("import", help="import a CSV file of patients, joint episodes, "
                                             "past injections, responses or scores")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true",
                   help="check every row and report the problems; write nothing")
    p.add_argument("--site", help="site code (needed if the user works at several)")
    p.add_argument("--by", help="user name the import is recorded under (required)")
    p.set_defaults(handler=import_command)

    p = subparsers.add_parser("redcap", help="exchange data with a REDCap project")
    redcap = p.add_subparsers(dest="redcap_command", required=True, metavar="ACTION")
    e = redcap.add_parser("export", help="write a REDCap data dictionary, records and "
                                         "instrument-event mapping")
    e.add_argument("--out", required=True, help="directory to write the three CSV files to")
    e.add_argument("--site", help="site code (default: every site)")
    e.set_defaults(handler=redcap_export_command)
    i = redcap.add_parser("import", help="import a REDCap records export")
    i.add_argument("records")
    i.add_argument("--dictionary", required=True, help="the project's data dictionary CSV")
    i.add_argument("--mapping", help="mapping CSV (default: orthoregen's field names)")
    i.add_argument("--site", help="site code (needed if the user works at several)")
    i.add_argument("--by", help="user name the import is recorded under (required)")
    i.add_argument("--dry-run", action="store_true")
    i.set_defaults(handler=redcap_import_command)
