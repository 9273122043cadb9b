"""ISBT 128 Donation Identification Numbers and the clinic's local alternative.

Source: ICCBBA ST-001 ISBT 128 Standard Technical Specification v6.2.2 (April 2023):
Data Structure 001, the keyboard check character K (ISO/IEC 7064 Mod 37-2, Appendix A) and
the Type 3 flags (RT004).

A refusal never shows the expected check character or flags. Manual entry re-computes K and
compares it with the K typed from the label (ST-001 7.4.1), which catches a misread identifier
only if K is read from the label; a message saying "expected 6" invites typing the 6 instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum.iso7064 import mod_37_2

# ST-001 Appendix A: 0-9 -> 0-9, A-Z -> 10-35, * -> 36; python-stdnum's default alphabet.
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
DIN_LENGTH = 13
LOCAL_PREFIX = "LOC-"

# ST-001 DS001: the first FIN character is never O or 0, so a DIN is never read as another =x code.
_FIN_FIRST = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"
_FIN_SECOND_THIRD = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"
_DIGITS = "0123456789"
# ST-001 DS001 flag characters: 0-9, A-H, J-N, P, R-Y.
_FLAG_CHARACTERS = "0123456789ABCDEFGHJKLMNPRSTUVWXY"
_LOCAL_BODY = re.compile(r"^[A-Z0-9]{1,16}$")
# AIM symbology identifier some scanners prepend for Code 128 (]C0, ]C1, ...).
_SYMBOLOGY_ID = re.compile(r"^\]C\d")


class IdentifierProblem(StrEnum):
    WRONG_LENGTH = "wrong_length"
    BAD_CHARACTER = "bad_character"
    WRONG_CHECK_CHARACTER = "wrong_check_character"
    MISSING_CHECK_CHARACTER = "missing_check_character"
    WRONG_FLAG_CHECK = "wrong_flag_check"


class IdentifierError(ValueError):
    """A unit identifier that cannot be accepted; `problem` says which rule it broke."""

    def __init__(self, problem: IdentifierProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def check_character(din: str) -> str:
    """Return the keyboard check character K of a 13-character DIN (ST-001 Appendix A)."""
    return mod_37_2.calc_check_digit(din)


def type3_flags(din: str) -> str:
    """Return the Type 3 flags: Mod 37-2 checksum of the DIN plus 60 (ST-001 RT004)."""
    return f"{60 + CHECK_ALPHABET.index(check_character(din)):02d}"


@dataclass(frozen=True)
class DonationIdentificationNumber:
    """An ISBT 128 DIN (Data Structure 001): FIN `αpppp`, nominal year `yy`, sequence `nnnnnn`."""

    fin: str
    year: str
    sequence: str

    def __post_init__(self) -> None:
        _check_din_structure(self.fin + self.year + self.sequence)

    @classmethod
    def from_din(cls, din: str) -> DonationIdentificationNumber:
        """Split 13 DIN characters into FIN, year and sequence, checking the structure."""
        _check_din_structure(din)
        return cls(fin=din[:5], year=din[5:7], sequence=din[7:])

    @property
    def din(self) -> str:
        return self.fin + self.year + self.sequence

    @property
    def check_character(self) -> str:
        return check_character(self.din)

    @property
    def eye_readable(self) -> str:
        """Return the printed form: FIN, year, sequence grouped, then K (boxed on the label)."""
        return f"{self.fin} {self.year} {self.sequence} {self.check_character}"

    @property
    def eye_readable_without_k(self) -> str:
        """Return the printed form without K, for messages that must not give K away."""
        return f"{self.fin} {self.year} {self.sequence}"

    @property
    def barcode_data(self) -> str:
        """Return DS001 bar-code data `=αppppyynnnnnnff`, default flags 00; K is never encoded."""
        return f"={self.din}00"

    def __str__(self) -> str:
        return self.din + self.check_character


@dataclass(frozen=True)
class LocalId:
    """A clinic-assigned unit identifier for sites without an ISBT 128 licence.

    Printed and scanned as `LOC-<body>-<K>`; K is the same Mod 37-2 check so a typo is caught
    as surely as on a DIN. The prefix contains a hyphen, which no DIN can, so the two never clash.
    """

    body: str

    def __post_init__(self) -> None:
        if not _LOCAL_BODY.match(self.body):
            raise IdentifierError(
                IdentifierProblem.BAD_CHARACTER,
                f"local identifier {self.body!r} must be 1 to 16 capital letters or digits",
            )

    @property
    def check_character(self) -> str:
        return check_character(self.body)

    @property
    def eye_readable(self) -> str:
        return f"{LOCAL_PREFIX}{self.body}-{self.check_character}"

    @property
    def eye_readable_without_k(self) -> str:
        return f"{LOCAL_PREFIX}{self.body}"

    @property
    def barcode_data(self) -> str:
        return self.eye_readable

    def __str__(self) -> str:
        return self.eye_readable


UnitIdentifier = DonationIdentificationNumber | LocalId


def parse_unit_identifier(text: str) -> UnitIdentifier:
    """Read a scanned or typed unit identifier: a local `LOC-` identifier or an ISBT 128 DIN."""
    cleaned = _normalise(text)
    if cleaned.startswith(LOCAL_PREFIX):
        return _parse_local(cleaned)
    return parse_din(text)


def parse_din(text: str) -> DonationIdentificationNumber:
    """Read a DIN from what a scanner or a keyboard sends, never tolerating a wrong check.

    Accepted (ST-001 DS001 and Appendix A), after removing spaces and upper-casing:
    - scanned bar-code data `=` + 13-character DIN, optionally + 2 flag characters; a Type 3
      flag pair (60-96) must equal the DIN's checksum + 60;
    - typed 13-character DIN + K, optionally with the flags between them; ST-001 7.4.1 requires
      manual entry to re-compute and compare K, so a typed DIN without K is refused.
    """
    cleaned = _normalise(text)
    if cleaned.startswith("="):
        return _parse_scanned(cleaned[1:])
    return _parse_typed(cleaned)


def _normalise(text: str) -> str:
    # Scanners add carriage returns and symbology identifiers; people type spaces and lower case.
    cleaned = "".join(text.split()).upper()
    return _SYMBOLOGY_ID.sub("", cleaned)


def _parse_scanned(data: str) -> DonationIdentificationNumber:
    if len(data) not in (DIN_LENGTH, DIN_LENGTH + 2):
        raise IdentifierError(
            IdentifierProblem.WRONG_LENGTH,
            f"scanned DIN data has {len(data)} characters after '=', expected 13 or 15 "
            "(DIN and flag characters)",
        )
    din = DonationIdentificationNumber.from_din(data[:DIN_LENGTH])
    if len(data) > DIN_LENGTH:
        _check_flags(din.din, data[DIN_LENGTH:])
    return din


def _parse_typed(data: str) -> DonationIdentificationNumber:
    if len(data) == DIN_LENGTH:
        _check_din_structure(data)
        raise IdentifierError(
            IdentifierProblem.MISSING_CHECK_CHARACTER,
            f"typed DIN {data} has no check character: re-type the whole identifier with the "
            "boxed character printed after it on the label",
        )
    if len(data) not in (DIN_LENGTH + 1, DIN_LENGTH + 3):
        raise IdentifierError(
            IdentifierProblem.WRONG_LENGTH,
            f"typed DIN has {len(data)} characters, expected 14 (13-character DIN and its "
            "check character)",
        )
    din = DonationIdentificationNumber.from_din(data[:DIN_LENGTH])
    if len(data) == DIN_LENGTH + 3:
        _check_flags(din.din, data[DIN_LENGTH : DIN_LENGTH + 2])
    _check_k(din.din, data[-1])
    return din


def _parse_local(cleaned: str) -> LocalId:
    body, sep, k = cleaned[len(LOCAL_PREFIX) :].rpartition("-")
    if not sep or len(k) != 1:
        raise IdentifierError(
            IdentifierProblem.MISSING_CHECK_CHARACTER,
            f"local identifier {cleaned} must end with '-' and its check character",
        )
    local = LocalId(body)
    _check_k(body, k)
    return local


def _check_k(data: str, given: str) -> None:
    if given != check_character(data):
        raise IdentifierError(
            IdentifierProblem.WRONG_CHECK_CHARACTER,
            f"the check character does not match {data}: the identifier was mistyped or "
            "misread; re-scan or re-type the whole identifier from the label",
        )


def _check_flags(din: str, flags: str) -> None:
    if any(c not in _FLAG_CHARACTERS for c in flags):
        raise IdentifierError(
            IdentifierProblem.BAD_CHARACTER, f"flag characters {flags} are not allowed in DS001"
        )
    # Type 3 flags are 60 + K's value, so showing the expected pair would give K away.
    if flags.isdigit() and 60 <= int(flags) <= 96 and flags != type3_flags(din):
        raise IdentifierError(
            IdentifierProblem.WRONG_FLAG_CHECK,
            f"the flag check does not match DIN {din}: the identifier was misread; "
            "re-scan or re-type the whole identifier from the label",
        )


def _check_din_structure(din: str) -> None:
    if len(din) != DIN_LENGTH:
        raise IdentifierError(
            IdentifierProblem.WRONG_LENGTH, f"a DIN has 13 characters, got {len(din)} in {din!r}"
        )
    rules = [(0, _FIN_FIRST, "first FIN character (A-N, P-Z or 1-9)")]
    fin_rest = "FIN character (letter other than O, or digit)"
    rules += [(i, _FIN_SECOND_THIRD, fin_rest) for i in (1, 2)]
    rules += [(i, _DIGITS, "digit") for i in range(3, DIN_LENGTH)]
    for position, allowed, expected in rules:
        if din[position] not in allowed:
            raise IdentifierError(
                IdentifierProblem.BAD_CHARACTER,
                f"character {position + 1} of DIN {din} is {din[position]!r}, "
                f"expected a {expected}",
            )
