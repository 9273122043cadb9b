"""`orthoregen fhir export`, `import` and `work` (docs/fhir.md).

Django is set up inside each handler (orthoregen.web.django_setup), so the rest of the
command line runs without settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from orthoregen.web.django_setup import setup_django


def _since(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def export(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.audit.models import AccessAction, AccessRecord
    from orthoregen.web.fhir.bulk import deidentified_context, export_querysets, write_export
    from orthoregen.web.fhir.resources import Context

    if args.site and not Site.objects.filter(code=args.site).exists():
        print(f"orthoregen fhir export: no site with code {args.site!r}", file=sys.stderr)
        return 2
    out = Path(args.out)
    started = time.perf_counter()
    ctx = deidentified_context() if args.deidentify else Context()
    counts = write_export(out, export_querysets(site_code=args.site, since=args.since), ctx)
    seconds = time.perf_counter() - started
    kind = "de-identified" if args.deidentify else "identifiable"
    manifest = {"transactionTime": dt.datetime.now(dt.UTC).isoformat(), "requiresAccessToken":
                False, "output": [{"type": name, "url": f"{name}.ndjson", "count": n}
                                  for name, n in counts.items() if n], "error": []}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    # A command-line export has no web user: the record names the command and the folder.
    AccessRecord.objects.create(action=AccessAction.EXPORT, path="orthoregen fhir export",
                                detail=f"FHIR bulk export {kind}: {counts} site="
                                       f"{args.site or 'all'} since={args.since} "
                                       f"out={out.name}"[:500])
    total = sum(counts.values())
    print(f"Wrote {total} {kind} resources to {out} in {seconds:.1f} s: "
          + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
    return 0


def _bundles(path: Path) -> list[tuple[str, Any]]:
    """The bundles to import: a Bundle JSON file, an NDJSON file, or a folder of them.

    A folder of NDJSON files (a bulk export) is one bundle, so it is kept all or nothing.
    """
    from orthoregen.web.fhir.importer import IMPORTED, bundle_of

    def ndjson(file: Path) -> list[dict]:
        lines = file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    if path.is_dir():
        resources = [r for file in sorted(path.glob("*.ndjson"))
                     if file.stem in IMPORTED for r in ndjson(file)]
        bundles = [(str(path), bundle_of(resources))] if resources else []
        return bundles + [(str(f), json.loads(f.read_text(encoding="utf-8")))
                          for f in sorted(path.glob("*.json")) if f.name != "manifest.json"]
    if path.suffix == ".ndjson":
        return [(str(path), bundle_of(ndjson(path)))]
    return [(str(path), json.loads(path.read_text(encoding="utf-8")))]


def import_(args: argparse.Namespace) -> int:
    setup_django()
    from orthoregen.web.accounts.models import Site, User
    from orthoregen.web.audit.models import AccessAction, AccessRecord
    from orthoregen.web.fhir.importer import ImportRefused, import_bundle

    path = Path(args.path)
    if not path.exists():
        print(f"orthoregen fhir import: {path} does not exist", file=sys.stderr)
        return 2
    site = None
    if args.site:
        site = Site.objects.filter(code=args.site).first()
        if site is None:
            print(f"orthoregen fhir import: no site with code {args.site!r}", file=sys.stderr)
            return 2
    by = User.objects.filter(username=args.as_user, is_active=True).first()
    if by is None:
        print(f"orthoregen fhir import: no active user {args.as_user!r} to record it as "
              "(--as-user)", file=sys.stderr)
        return 2
    try:
        bundles = _bundles(path)
    except (OSError, ValueError) as error:
        print(f"orthoregen fhir import: cannot read {path}: {error}", file=sys.stderr)
        return 2
    failed = 0
    for name, bundle in bundles:
        try:
            result = import_bundle(bundle, user=None, site=site, by=by)
        except ImportRefused as refused:
            failed += 1
            print(f"{name}: rejected, nothing kept: {refused.message}", file=sys.stderr)
            continue
        AccessRecord.objects.create(user=by, action=AccessAction.BULK_LOAD,
                                    path="orthoregen fhir import",
                                    detail=f"FHIR import {name}: {result.summary()}"[:500])
        print(f"{name}: {result.summary()}")
    return 1 if failed else 0


def work(args: argparse.Namespace) -> int:
    """Run the queued $export jobs; with --wait, keep polling (for systemd)."""
    setup_django()
    from django.db import close_old_connections

    from orthoregen.web.fhir.jobs import export_jobs_run

    while True:
        done = export_jobs_run()
        if done:
            print(f"Ran {done} FHIR export job{'s' if done != 1 else ''}.")
        if args.wait is None:
            return 0
        close_old_connections()  # a long-lived process: drop a connection the server closed
        time.sleep(args.wait)


def register(subparsers: Any) -> None:
    """Add `orthoregen fhir export|import|work` to the orthoregen command line."""
    fhir = subparsers.add_parser("fhir", help="HL7 FHIR R4 bulk export and import")
    commands = fhir.add_subparsers(dest="fhir_command", required=True, metavar="COMMAND")
    p = commands.add_parser("export", help="write one NDJSON file per resource type "
                                           "(FHIR Bulk Data layout)")
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--since", type=_since, help="only records changed since (a date or instant)")
    p.add_argument("--site", help="site code (default: every site)")
    p.add_argument("--deidentify", action="store_true",
                   help="the registry's de-identification method (pseudonyms, no dates)")
    p.set_defaults(handler=export)
    p = commands.add_parser("import", help="import transaction Bundles (JSON) or NDJSON files "
                                           "of Patient, Condition, Observation, "
                                           "QuestionnaireResponse, Encounter, Consent, "
                                           "AdverseEvent, Procedure")
    p.add_argument("path", metavar="FILE_OR_DIR")
    p.add_argument("--site", help="put the patients in this site (default: the site their MRN "
                                  "identifier names)")
    p.add_argument("--as-user", required=True,
                   help="user name the imported records are attributed to (history)")
    p.set_defaults(handler=import_)
    p = commands.add_parser("work", help="run the queued $export jobs (from cron, or with "
                                         "--wait under systemd)")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="keep running, looking for new jobs every SECONDS")
    p.set_defaults(handler=work)
