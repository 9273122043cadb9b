"""Backup and restore: a round trip gives every table back, row for row (both engines)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.db import connection
from tests.web.conftest import make_patient, make_user

from orthoregen.web.backup import archive, crypto, database
from orthoregen.web.backup.commands import _known_migrations, restore

KEY = crypto.key_parse(crypto.key_generate())


def test_sealing_round_trips_a_multi_chunk_file():
    plain = os.urandom(crypto.CHUNK * 2 + 17)
    sealed, opened = io.BytesIO(), io.BytesIO()
    crypto.encrypt(io.BytesIO(plain), sealed, key=KEY)
    assert plain not in sealed.getvalue()
    crypto.decrypt(io.BytesIO(sealed.getvalue()), opened, key=KEY)
    assert opened.getvalue() == plain


def _sealed(size: int = crypto.CHUNK + 5) -> bytes:
    sealed = io.BytesIO()
    crypto.encrypt(io.BytesIO(os.urandom(size)), sealed, key=KEY)
    return sealed.getvalue()


def test_a_wrong_key_an_edited_byte_or_a_cut_file_does_not_open():
    sealed = _sealed()
    other = crypto.key_parse(crypto.key_generate())
    with pytest.raises(crypto.BackupKeyError, match="wrong ORTHOREGEN_BACKUP_KEY"):
        crypto.decrypt(io.BytesIO(sealed), io.BytesIO(), key=other)
    edited = bytearray(sealed)
    edited[40] ^= 1
    with pytest.raises(crypto.BackupKeyError, match="chunk 0"):
        crypto.decrypt(io.BytesIO(bytes(edited)), io.BytesIO(), key=KEY)
    # Dropping the last chunk leaves a file whose chunks all open: the flag catches it.
    first_chunk_end = len(crypto.MAGIC) + 8 + 4 + crypto.CHUNK + 16
    with pytest.raises(crypto.BackupKeyError, match="cut short"):
        crypto.decrypt(io.BytesIO(sealed[:first_chunk_end]), io.BytesIO(), key=KEY)


def test_a_malformed_key_is_refused_with_how_to_make_one():
    with pytest.raises(crypto.BackupKeyError, match="32 bytes"):
        crypto.key_parse("c2hvcnQ=")


@pytest.fixture
def clinic_data(site_a, site_b):
    make_user("backup-clinician", "clinician", site_a)
    for number in range(5):
        make_patient(site_a if number % 2 else site_b, f"BK{number:04d}", f"Family{number}")


@pytest.fixture
def source_database(tmp_path, clinic_data):
    """A database settings entry holding the test data, committed and readable by tools."""
    settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        # The test database lives in memory; copy it to a file the way a clinic's would be.
        path = tmp_path / "clinic.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
        settings["NAME"] = str(path)
    return settings


def _restored(settings, tmp_path):
    """A new empty database of the same engine (torn down by the caller's context)."""
    if settings["ENGINE"].endswith("sqlite3"):
        return dict(settings, NAME=str(tmp_path / "restored.sqlite3"))
    return None


def _round_trip(source, tmp_path, key):
    backup = tmp_path / "clinic.orthoregen-backup"
    data_dir = tmp_path / "data"
    (data_dir / "dicom" / "study").mkdir(parents=True)
    (data_dir / "dicom" / "study" / "image.dcm").write_bytes(b"DICM-ish bytes")
    manifest = archive.backup_create(target=backup, db=source, data_dir=data_dir, key=key,
                                     version="test")
    return backup, manifest


def _open(backup, tmp_path, key):
    work = tmp_path / "work"
    work.mkdir()
    return archive.backup_open(backup, work, key=key), work / "content"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_a_backup_restores_every_table_row_for_row(source_database, tmp_path, key):
    backup, manifest = _round_trip(source_database, tmp_path, key)
    assert manifest["tables"]["clinic_patient"]["rows"] == 5
    assert backup.stat().st_mode & 0o077 == 0  # no one but the owner reads a backup
    assert manifest["tables"] == database.fingerprints(source_database)
    opened, content = _open(backup, tmp_path, key)
    assert opened == manifest
    dump = content / f"database.{manifest['engine']}"
    if manifest["engine"] == "sqlite":
        target = dict(source_database, NAME=str(tmp_path / "restored.sqlite3"))
        database.load(target, dump)
        restored = database.fingerprints(target)
    else:
        with database.scratch_database(source_database) as target:
            database.load(target, dump)
            restored = database.fingerprints(target)
    assert restored == manifest["tables"]
    check = archive.Check()
    archive.tables_check(manifest, restored, check)
    archive.files_check(manifest, content / "files", check)
    assert check.problems == [] and check.files == 1 and check.rows > 5


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(source_database, tmp_path):
    backup, manifest = _round_trip(source_database, tmp_path, None)
    _, content = _open(backup, tmp_path, None)
    with pytest.raises(database.RestoreRefused, match="not empty"):
        database.load(source_database, content / f"database.{manifest['engine']}")


@pytest.mark.django_db(transaction=True)
def test_a_changed_row_or_file_is_named(source_database, tmp_path):
    backup, manifest = _round_trip(source_database, tmp_path, None)
    _, content = _open(backup, tmp_path, None)
    (content / "files" / "dicom" / "study" / "image.dcm").write_bytes(b"altered")
    altered = dict(manifest["tables"])
    altered["clinic_patient"] = {"rows": 4, "sha256": "0" * 64}
    check = archive.Check()
    archive.files_check(manifest, content / "files", check)
    archive.tables_check(manifest, altered, check)
    assert check.problems == [
        "file dicom/study/image.dcm differs from the manifest",
        f"table clinic_patient: 4 rows, checksum 000000000000; the manifest says 5 rows, "
        f"{manifest['tables']['clinic_patient']['sha256'][:12]}"]


def test_a_backup_of_a_newer_schema_is_refused():
    known = _known_migrations()
    manifest = {"orthoregen": "9.9", "migrations": [*map(list, sorted(known)),
                                                    ["clinic", "9999_from_the_future"]]}
    with pytest.raises(database.RestoreRefused, match="newer than this orthoregen.*9999"):
        archive.schema_check(manifest, known)
    archive.schema_check({"orthoregen": "0.1", "migrations": [list(sorted(known)[0])]}, known)


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(database.RestoreRefused, match="not a readable orthoregen backup"):
        archive.backup_open(junk, tmp_path, key=None)
    buffer = tmp_path / "nomanifest.tar.gz"
    with tarfile.open(buffer, "w:gz") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(database.RestoreRefused, match="no manifest.json"):
        archive.backup_open(buffer, tmp_path, key=None)


def test_an_encrypted_backup_needs_its_key(tmp_path):
    sealed = tmp_path / "sealed"
    sealed.write_bytes(_sealed(100))
    with pytest.raises(crypto.BackupKeyError, match="set ORTHOREGEN_BACKUP_KEY"):
        archive.backup_open(sealed, tmp_path, key=None)


@pytest.mark.django_db(transaction=True)
def test_the_command_verifies_a_backup_without_touching_the_database(
        source_database, tmp_path, capsys, monkeypatch):
    backup, manifest = _round_trip(source_database, tmp_path, None)
    before = database.fingerprints(source_database)

    class Args:
        file = str(backup)
        verify = True

    assert restore(Args()) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert f"{len(manifest['tables'])} tables" in out and "matches its manifest" in out
    assert database.fingerprints(source_database) == before
    assert json.loads(json.dumps(manifest)) == manifest
    assert not list(Path(tmp_path).glob("*.partial"))
