"""Optional encryption of a backup file: AES-256-GCM over fixed-size chunks.

A backup of a clinical database can be larger than memory, so the file is sealed chunk by
chunk rather than in one piece (Fernet, for example, needs the whole message at once). Each
chunk is authenticated with its index and a last-chunk flag as associated data, so chunks
cannot be reordered, dropped or the file cut short without decryption failing. The key is
32 random bytes, given to both commands as URL-safe base64 in ORTHOREGEN_BACKUP_KEY and kept
away from the backups (NIST SP 800-38D for GCM; one random 64-bit prefix per file and a
32-bit chunk counter keep every nonce unique under one key).
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ORBKENC1"
CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")


class BackupKeyError(Exception):
    """The key is missing, malformed, or does not open this backup."""


def key_generate() -> str:
    """Return a new key in the form ORTHOREGEN_BACKUP_KEY expects."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_parse(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as error:
        raise BackupKeyError("ORTHOREGEN_BACKUP_KEY is not URL-safe base64") from error
    if len(key) != 32:
        raise BackupKeyError(
            f"ORTHOREGEN_BACKUP_KEY must decode to 32 bytes, not {len(key)}; "
            "make one with `orthoregen backup --generate-key`")
    return key


def _associated(index: int, last: bool) -> bytes:
    return struct.pack(">IB", index, int(last))


def encrypt(source: BinaryIO, target: BinaryIO, *, key: bytes) -> None:
    """Seal everything read from source into target."""
    aead, prefix = AESGCM(key), os.urandom(8)
    target.write(MAGIC + prefix)
    index, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk, _associated(index, last))
        target.write(_LENGTH.pack(len(sealed)) + sealed)
        if last:
            return
        index, chunk = index + 1, following


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def decrypt(source: BinaryIO, target: BinaryIO, *, key: bytes) -> None:
    """Open a sealed file, refusing a wrong key, an edited chunk or a truncated file."""
    head = source.read(len(MAGIC) + 8)
    if not is_encrypted(head):
        raise BackupKeyError("this file is not an encrypted orthoregen backup")
    aead, prefix, index = AESGCM(key), head[len(MAGIC):], 0
    while True:
        length = source.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise BackupKeyError("the encrypted backup is cut short: its last chunk is missing")
        sealed = source.read(_LENGTH.unpack(length)[0])
        nonce = prefix + struct.pack(">I", index)
        for last in (False, True):
            try:
                target.write(aead.decrypt(nonce, sealed, _associated(index, last)))
                break
            except InvalidTag:
                continue
        else:
            raise BackupKeyError(
                f"chunk {index} does not open: wrong ORTHOREGEN_BACKUP_KEY or an altered file")
        if last:
            if source.read(1):
                raise BackupKeyError("the encrypted backup has data after its last chunk")
            return
        index += 1
