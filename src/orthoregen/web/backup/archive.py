"""A backup file: the database dump, the stored files and a manifest to check both against.

Layout (a gzip'd tar, optionally sealed by backup.crypto):

    manifest.json      format, engine, creation time, applied migrations, every table's row
                       count and fingerprint, every stored file's SHA-256
    database.<engine>  pg_dump custom format, or a SQLite database file
    files/...          the stored files under the data directory (STORED_DIRS)

Restore refuses a backup whose schema is newer than this version (a migration it does not
know), loads only into an empty database, checks every table and file against the manifest,
and only then migrates an older schema forward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orthoregen.web.backup import crypto, database
from orthoregen.web.backup.database import RestoreRefused, Settings

FORMAT = 1
# Stored files a clinic cannot recreate: received MRI studies and signed documents.
STORED_DIRS = ("dicom", "documents")


@dataclass
class Check:
    """What a verification found: empty problems means the backup matches its manifest."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _stored_files(data_dir: Path) -> Iterable[tuple[str, Path]]:
    for name in STORED_DIRS:
        root = data_dir / name
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                yield path.relative_to(data_dir).as_posix(), path


def backup_create(*, target: Path, db: Settings, data_dir: Path, key: bytes | None,
                  version: str) -> dict[str, Any]:
    """Write a backup of db and the stored files to target; return its manifest."""
    kind = database.vendor(db)
    with tempfile.TemporaryDirectory(prefix="orthoregen-backup-") as work:
        dump = Path(work) / f"database.{kind}"
        tables_seen, migrations = database.dump(db, dump)
        files = {name: _sha256(path) for name, path in _stored_files(data_dir)}
        manifest = {
            "format": FORMAT, "orthoregen": version, "engine": kind,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "migrations": migrations, "tables": tables_seen, "files": files,
        }
        plain = Path(work) / "backup.tar.gz"
        with tarfile.open(plain, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            tar.add(dump, arcname=dump.name)
            for name, path in _stored_files(data_dir):
                tar.add(path, arcname=f"files/{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        # Readable by the owner only: the file holds every patient's record.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with plain.open("rb") as source, os.fdopen(descriptor, "wb") as sink:
            if key is None:
                shutil.copyfileobj(source, sink)
            else:
                crypto.encrypt(source, sink, key=key)
        partial.replace(target)  # a half-written backup never carries the final name
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def backup_open(source: Path, work: Path, *, key: bytes | None) -> dict[str, Any]:
    """Unpack a backup into work (decrypting it if sealed); return its manifest."""
    with source.open("rb") as stream:
        sealed = crypto.is_encrypted(stream.read(len(crypto.MAGIC)))
    plain = source
    if sealed:
        if key is None:
            raise crypto.BackupKeyError(
                "this backup is encrypted: set ORTHOREGEN_BACKUP_KEY to the key it was made with")
        plain = work / "backup.tar.gz"
        with source.open("rb") as stream, plain.open("wb") as sink:
            crypto.decrypt(stream, sink, key=key)
    try:
        with tarfile.open(plain, "r:gz") as tar:
            tar.extractall(work / "content", filter="data")  # refuses ../ and absolute paths
    except (tarfile.TarError, OSError, EOFError) as error:
        raise RestoreRefused(f"{source} is not a readable orthoregen backup: {error}") from error
    manifest_path = work / "content" / "manifest.json"
    if not manifest_path.exists():
        raise RestoreRefused(f"{source} has no manifest.json: not an orthoregen backup")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(f"backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


def schema_check(manifest: dict[str, Any], known: set[tuple[str, str]]) -> None:
    """Refuse a backup made by a newer orthoregen: it holds migrations this one lacks."""
    newer = sorted(f"{app}.{name}" for app, name in manifest["migrations"]
                   if (app, name) not in known)
    if newer:
        raise RestoreRefused(
            f"the backup's schema is newer than this orthoregen ({manifest['orthoregen']}): "
            f"unknown migrations {', '.join(newer[:5])}{' …' if len(newer) > 5 else ''}; "
            "restore it with the version that made it or a later one")


def files_check(manifest: dict[str, Any], root: Path, check: Check) -> None:
    for name, expected in manifest["files"].items():
        path = root / name
        if not path.exists():
            check.problems.append(f"file {name} is missing")
        elif _sha256(path) != expected:
            check.problems.append(f"file {name} differs from the manifest")
        else:
            check.files += 1


def tables_check(manifest: dict[str, Any], actual: dict[str, Any], check: Check) -> None:
    for table, expected in manifest["tables"].items():
        found = actual.get(table)
        if found is None:
            check.problems.append(f"table {table} is missing")
        elif found != expected:
            check.problems.append(
                f"table {table}: {found['rows']} rows, checksum {found['sha256'][:12]}; "
                f"the manifest says {expected['rows']} rows, {expected['sha256'][:12]}")
        else:
            check.tables += 1
            check.rows += found["rows"]


def files_restore(manifest: dict[str, Any], content: Path, data_dir: Path) -> None:
    """Copy the stored files into place, refusing to replace a different existing file."""
    for name in manifest["files"]:
        target = data_dir / name
        if target.exists() and _sha256(target) != manifest["files"][name]:
            raise RestoreRefused(f"{target} exists with other content; move it away first")
    for name in manifest["files"]:
        target = data_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(content / "files" / name, target)
