"""The access records' hash chain: each record carries its predecessor's hash and its own.

A record's hash is SHA-256 over a canonical serialisation of its content and the previous
record's hash, so editing a record breaks its own hash and deleting one breaks the sequence
and the next record's link. The chain head (one row: the count and the last hash) is locked
while a record is added, which keeps the chain linear under concurrent requests, and lets
`verify` notice records cut from the end. It detects tampering; it cannot prevent it (the
PostgreSQL trigger of migration 0004 refuses UPDATE and DELETE; an owner of the database can
still disable it, and verify then reports the edit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
HASHED_FIELDS = ("sequence", "at", "user_id", "patient_id", "site_id", "action", "path",
                 "ip_address", "detail", "previous_hash")


def canonical(fields: dict) -> bytes:
    """Serialise a record's hashed fields: sorted keys, no spaces, times in UTC ISO 8601."""
    values = {name: fields[name] for name in HASHED_FIELDS}
    at = values["at"]
    if isinstance(at, datetime):
        values["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def link_hash(fields: dict) -> str:
    """Return the SHA-256 hex digest that a record with these fields carries."""
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, in words an auditor can act on."""

    sequence: int | None
    record_id: int | None
    reason: str


def chain_check(records: Iterable[dict], *, head_length: int | None,
                head_hash: str | None) -> Break | None:
    """Walk records in sequence order and return the first broken link, or None.

    ``records`` are dicts of HASHED_FIELDS plus ``id`` and ``record_hash``.
    """
    expected_sequence, previous = 1, GENESIS
    for record in records:
        sequence, record_id = record["sequence"], record["id"]
        if sequence != expected_sequence:
            return Break(sequence, record_id,
                         f"records {expected_sequence}..{sequence - 1} are missing (deleted)")
        if record["previous_hash"] != previous:
            return Break(sequence, record_id, "its link to the previous record does not match")
        if link_hash(record) != record["record_hash"]:
            return Break(sequence, record_id, "its content does not match its hash (edited)")
        expected_sequence, previous = sequence + 1, record["record_hash"]
    length = expected_sequence - 1
    if head_length is None:
        return Break(None, None, "the chain head is missing") if length else None
    if head_length != length or head_hash != previous:
        return Break(length or None, None,
                     f"the chain head says {head_length} records but {length} remain "
                     "(records cut from the end, or the head edited)")
    return None
