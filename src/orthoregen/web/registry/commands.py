"""Command-line sub-commands of the registry: `orthoregen export` and `orthoregen registry-refresh`.

Django is set up inside each handler (orthoregen.web.django_setup), so the rest of
the command line runs without settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orthoregen.web.django_setup import setup_django

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from orthoregen.web.registry.models import EpisodeFact


def _episodes(site_code: str | None) -> QuerySet[EpisodeFact]:
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.registry.models import EpisodeFact

    episodes = EpisodeFact.objects.all()
    if site_code:
        site = Site.objects.filter(code=site_code).first()
        if site is None:
            raise SystemExit(f"orthoregen export: no site with code {site_code!r}")
        episodes = episodes.filter(site=site)
    return episodes


def export(args: argparse.Namespace) -> int:
    setup_django()
    from rich.console import Console
    from rich.progress import Progress

    from orthoregen.web.accounts.models import Site
    from orthoregen.web.audit.models import AccessAction, AccessRecord
    from orthoregen.web.registry.export import write_export

    episodes = _episodes(args.site)
    total = episodes.count()
    out = Path(args.out)
    # Rows written against the rows expected (the planner's estimate on PostgreSQL); no bar
    # with --quiet or when the output is not a terminal (cron, a pipe, a log file).
    console = Console(stderr=True)
    quiet = getattr(args, "quiet", False) or not console.is_terminal
    with Progress(console=console, disable=quiet) as progress, out.open("wb") as handle:
        task = progress.add_task(f"exporting {total} joints", total=None)

        def advance(written: int, expected: int) -> None:
            progress.update(task, completed=written, total=max(written, expected))

        rows = write_export(episodes, args.format, handle, deidentified=args.deidentified,
                            progress=advance)
        progress.update(task, completed=rows, total=rows)
    kind = "de-identified" if args.deidentified else "analysis"
    # A command-line export has no web user: the record names the command, the operating
    # system account that ran it and the file. One record per site exported, so each site's
    # administrators see, within their sites, that their patients left in a file.
    account = _os_account()
    for site in Site.objects.filter(code=args.site) if args.site else Site.objects.all():
        AccessRecord.objects.create(
            action=AccessAction.EXPORT, path="orthoregen export", site=site,
            detail=f"registry export {kind} {args.format} by {account}: {rows} rows, "
                   f"site={args.site or 'all'} out={out.name}"[:500])
    print(f"Wrote {rows} rows ({kind}, {args.format}) for {total} joints to {out}.")
    return 0


def refresh(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.registry.services import facts_rebuild, facts_refresh, vacuum_facts

    sites = Site.objects.filter(code=args.site) if args.site else Site.objects.all()
    if not sites.exists():
        print(f"orthoregen registry-refresh: no site {args.site!r}", file=sys.stderr)
        return 2
    if not args.site:
        # Every site: one rebuild from empty tables, so repeated refreshes keep their size.
        started = dt.datetime.now()
        n = facts_rebuild(as_of=args.as_of)
        seconds = (dt.datetime.now() - started).total_seconds()
        print(f"Every site: {n} scores in the registry tables ({seconds:.1f} s).")
    for site in sites if args.site else ():
        started = dt.datetime.now()
        n = facts_refresh(JointEpisode.objects.filter(patient__site=site), as_of=args.as_of)
        seconds = (dt.datetime.now() - started).total_seconds()
        print(f"Site {site.code}: {n} scores in the registry tables ({seconds:.1f} s).")
    vacuum_facts()
    return 0


def _os_account() -> str:
    """Return the operating system account running the command, or say it is unknown."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return "an unknown system account"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def register(subparsers: Any) -> None:
    """Add the registry sub-commands to the orthoregen command line."""
    p = subparsers.add_parser("export", help="export registry scores as long-format CSV or "
                                             "Parquet (one row per joint-visit-subscale)")
    p.add_argument("--format", choices=("csv", "parquet"), required=True)
    p.add_argument("--deidentified", action="store_true",
                   help="pseudonyms, no dates, ages over 89 as 90+ (for pooling)")
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--site", help="site code (default: every site)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (there is none either when not run in a terminal)")
    p.set_defaults(handler=export)

    p = subparsers.add_parser("registry-refresh",
                              help="rebuild the registry's analysis tables from the records")
    p.add_argument("--site", help="site code (default: every site)")
    p.add_argument("--as-of", type=_date, default=dt.date.today())
    p.set_defaults(handler=refresh)
