"""Strict reading of record ids from query strings and form prefixes.

`str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads as 3: a
query string like ``?donor=²`` used to reach ``int()`` and end as a server error. An id here
is 1 to 18 ASCII digits (it fits a 64-bit primary key); anything else is "no id".
"""

from __future__ import annotations

_ASCII_DIGITS = frozenset("0123456789")
# 18 digits always fit a signed 64-bit key (BigAutoField); a 19th might not.
_MAX_DIGITS = 18


def parse_id(text: str | None) -> int | None:
    """Return the id `text` spells in ASCII digits, or None for anything else."""
    if not text or len(text) > _MAX_DIGITS or not set(text) <= _ASCII_DIGITS:
        return None
    return int(text)
