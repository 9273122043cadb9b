"""Command-line sub-commands of imaging: `orthoregen dicom ingest` and `orthoregen dicom listen`.

Django is set up inside each handler (orthoregen.web.django_setup), so the rest of the
command line runs without settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orthoregen.web.django_setup import setup_django

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.imaging.services import Outcome


def _site(code: str | None) -> Site | None:
    from orthoregen.web.accounts.models import Site

    if not code:
        return None
    site = Site.objects.filter(code=code).first()
    if site is None:
        raise SystemExit(f"orthoregen dicom: no site with code {code!r}")
    return site


def _print(outcome: Outcome) -> None:
    stream = sys.stderr if outcome.refused else sys.stdout
    print(f"Study {outcome.study_uid}: {outcome}", file=stream, flush=True)


def ingest_command(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.audit.models import AccessAction, AccessRecord
    from orthoregen.web.imaging.services import InputRefused, ingest, read_path

    site = _site(args.site)
    path = Path(args.path)
    try:
        instances, via = read_path(path)
    except InputRefused as refused:
        print(f"orthoregen dicom ingest: {refused}", file=sys.stderr)
        return 2
    outcomes = ingest(instances, site=site, received_via=via, received_from=path.name)
    for outcome in outcomes:
        _print(outcome)
        if outcome.study is not None:
            # A command has no web user: the record names the command and the study.
            AccessRecord.objects.create(
                action=AccessAction.BULK_LOAD, patient=outcome.study.patient,
                path="orthoregen dicom ingest",
                detail=f"MRI study {outcome.study.pk} from {path.name}: {outcome}"[:500])
    return 1 if any(o.refused for o in outcomes) else 0


def listen_command(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.imaging.scp import start

    site = _site(args.site)
    print(f"Listening for MR images as {args.ae_title} on {args.host}:{args.port} "
          f"(site {site.code if site else 'any'}); Ctrl-C stops.", flush=True)
    try:
        start(port=args.port, ae_title=args.ae_title, site=site, host=args.host, block=True,
              report=_print)
    except KeyboardInterrupt:
        return 0
    return 0


def register(subparsers: Any) -> None:
    """Add `orthoregen dicom ingest|listen` to the command line."""
    dicom = subparsers.add_parser("dicom", help="receive MRI studies (DICOM) for MRI visits")
    commands = dicom.add_subparsers(dest="dicom_command", required=True, metavar="ACTION")

    p = commands.add_parser("ingest", help="ingest a folder, a zip or a file of MR images")
    p.add_argument("path", help="folder, .zip or .dcm file")
    p.add_argument("--site", help="the receiving site's code (default: any site)")
    p.set_defaults(handler=ingest_command)

    p = commands.add_parser("listen", help="receive MR images as a DICOM C-STORE SCP")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ae-title", default="ORTHOREGEN")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on")
    p.add_argument("--site", help="the receiving site's code (default: any site)")
    p.set_defaults(handler=listen_command)
