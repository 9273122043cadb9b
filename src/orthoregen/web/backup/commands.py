"""`orthoregen backup FILE` and `orthoregen restore FILE [--verify]`.

Django is set up inside each handler for its settings (which database, which data
directory); the work itself goes through the engines' own tools (backup.database).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from orthoregen.web.django_setup import setup_django

KEY_VARIABLE = "ORTHOREGEN_BACKUP_KEY"


def _key(required: bool = False) -> bytes | None:
    from orthoregen.web.backup.crypto import key_parse

    text = os.environ.get(KEY_VARIABLE, "")
    if not text:
        if required:
            raise SystemExit(f"orthoregen backup --encrypt: set {KEY_VARIABLE} first")
        return None
    return key_parse(text)


def _settings() -> tuple[dict[str, Any], Path]:
    setup_django()
    from django.conf import settings

    return dict(settings.DATABASES["default"]), Path(settings.DATA_DIR)


def backup(args: argparse.Namespace) -> int:
    from orthoregen.web.backup.crypto import key_generate

    if args.generate_key:
        print(key_generate())
        return 0
    if not args.file:
        raise SystemExit("orthoregen backup: name the backup FILE to write")
    import orthoregen
    from orthoregen.web.backup.archive import backup_create
    from orthoregen.web.backup.database import RestoreRefused

    db, data_dir = _settings()
    key = _key(required=args.encrypt) if args.encrypt or os.environ.get(KEY_VARIABLE) else None
    started = time.perf_counter()
    try:
        manifest = backup_create(target=Path(args.file), db=db, data_dir=data_dir, key=key,
                                 version=orthoregen.__version__)
    except RestoreRefused as refusal:
        print(f"orthoregen backup: failed: {refusal}", file=sys.stderr)
        return 2
    rows = sum(table["rows"] for table in manifest["tables"].values())
    print(f"Backed up {len(manifest['tables'])} tables ({rows} rows) and "
          f"{len(manifest['files'])} stored files to {args.file}"
          f"{' (encrypted)' if key else ''} in {time.perf_counter() - started:.1f} s")
    return 0


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def restore(args: argparse.Namespace) -> int:
    from orthoregen.web.backup import archive, database
    from orthoregen.web.backup.crypto import BackupKeyError

    db, data_dir = _settings()
    source = Path(args.file)
    if not source.is_file():
        raise SystemExit(f"orthoregen restore: {source} does not exist")
    check = archive.Check()
    with tempfile.TemporaryDirectory(prefix="orthoregen-restore-") as work:
        try:
            manifest = archive.backup_open(source, Path(work), key=_key())
            content = Path(work) / "content"
            dump = content / f"database.{manifest['engine']}"
            archive.files_check(manifest, content / "files", check)
            if args.verify:
                archive.tables_check(manifest, _scratch_fingerprints(db, manifest, dump), check)
            else:
                _restore_into(db, data_dir, manifest, dump, content, check)
        except (BackupKeyError, database.RestoreRefused) as refusal:
            print(f"orthoregen restore: refused: {refusal}", file=sys.stderr)
            return 2
    for problem in check.problems:
        print(f"  ✗ {problem}", file=sys.stderr)
    verdict = "matches" if not check.problems else "DOES NOT match"
    print(f"{source}: {check.tables} tables, {check.rows} rows, {check.files} files checked; "
          f"the {'backup' if args.verify else 'restored database'} {verdict} its manifest")
    return 0 if not check.problems else 1


def _restore_into(db: dict[str, Any], data_dir: Path, manifest: dict[str, Any], dump: Path,
                  content: Path, check: Any) -> None:
    from django.core.management import call_command

    from orthoregen.web.backup import archive, database

    if manifest["engine"] != database.vendor(db):
        raise database.RestoreRefused(
            f"this is a {manifest['engine']} backup; the configured database is "
            f"{database.vendor(db)}")
    archive.schema_check(manifest, _known_migrations())
    database.assert_empty(db)
    if check.problems:
        raise database.RestoreRefused("the backup's stored files do not match its manifest")
    database.load(db, dump)
    archive.tables_check(manifest, database.fingerprints(db), check)
    if check.problems:
        return
    archive.files_restore(manifest, content / "files", data_dir)
    # An older backup is now checked as it was made; bring its schema up to this version.
    call_command("migrate", interactive=False, verbosity=0)


def _scratch_fingerprints(db: dict[str, Any], manifest: dict[str, Any],
                          dump: Path) -> dict[str, Any]:
    """Load the dump somewhere harmless and fingerprint it, for --verify."""
    from orthoregen.web.backup import database

    if manifest["engine"] == "sqlite":
        return database.fingerprints({"ENGINE": "django.db.backends.sqlite3", "NAME": dump})
    if database.vendor(db) != "postgresql":
        raise database.RestoreRefused("verifying a PostgreSQL backup needs a PostgreSQL server: "
                                      "set DATABASE_URL")
    with database.scratch_database(db) as scratch:
        database.load(scratch, dump)
        return database.fingerprints(scratch)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backup", help="back up the database and stored files to FILE (encrypted when "
                       f"{KEY_VARIABLE} is set)")
    p.add_argument("file", nargs="?", help="the backup file to write")
    p.add_argument("--encrypt", action="store_true",
                   help=f"refuse to write an unencrypted backup if {KEY_VARIABLE} is unset")
    p.add_argument("--generate-key", action="store_true",
                   help=f"print a new random key for {KEY_VARIABLE} and exit")
    p.set_defaults(handler=backup)
    p = subparsers.add_parser(
        "restore", help="restore FILE into the configured, empty database and data directory")
    p.add_argument("file")
    p.add_argument("--verify", action="store_true",
                   help="only check the backup against its manifest; change nothing")
    p.set_defaults(handler=restore)
