"""Find patients the way staff type them: names in any order, MRN, date of birth, phone, email.

Each patient carries ``search_text``, one normalised line written on every save
(``search_text_of``): lowercase, accents stripped (Unicode NFKD decomposition, combining
marks dropped), every other non-alphanumeric character turned into a space, and a space
before every word, so that " okafor" marks the start of a word. A query is normalised the
same way and each of its words must start a word of the line, in any order:
"okafor lindqvist", "Lindqvist, M", "marianne okafor" and "Okafor-Lindqvist, Marianne" all
find Marianne Okafor-Lindqvist. The line also holds the MRN without punctuation, the email
address as typed (lowercased) and the phone number's digits.

A date of birth is read from the query in ISO form (1961-12-06), day first as the site's
pages write it (06/12/1961, 6.12.1961) or with the month's name (6 Dec 1961); a run of six
or more digits is looked for anywhere in the line (a phone number typed with or without its
leading zero or country code, an MRN). Matching uses LIKE on the one column: PostgreSQL
answers it from a pg_trgm GIN index (migration 0002), SQLite by scanning.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext

# Longer queries are refused, not cut: nobody types a name of this length.
MAX_QUERY_LENGTH = 120
MAX_WORDS = 8

_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\D+")
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
    ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_FIRST_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_NAMED_MONTH_DATE = re.compile(r"\b(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4})\b")
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")


class SearchRefused(ValueError):
    """The query cannot be searched (a control character, or far too long)."""


def normalised(text: str) -> str:
    """Return text lowercased, without accents, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Letters NFKD does not decompose (ø, æ, ß after casefold is "ss", ł, đ).
    bare = bare.translate(_UNDECOMPOSED)
    return _NON_WORD.sub(" ", bare).strip()


_UNDECOMPOSED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                               "þ": "th", "ı": "i"})


def search_text_of(*, family_name: str, given_name: str, mrn: str, email: str,
                   phone: str) -> str:
    """Return the line a patient is found by (see the module's docstring)."""
    parts = [normalised(family_name), normalised(given_name), normalised(mrn),
             _NON_WORD.sub("", mrn.casefold())]
    if email:
        parts.append(email.strip().casefold())
    if digits := _DIGITS.sub("", phone):
        parts.append(digits)
    return " " + " ".join(part for part in parts if part) + " "


@dataclass(frozen=True)
class ParsedQuery:
    """What a query asks for: words, dates of birth, a run of digits, an email address."""

    words: tuple[str, ...] = ()
    dates: tuple[dt.date, ...] = ()
    digits: str = ""
    email: str = ""
    problems: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.dates or self.digits or self.email)


def parse(query: str) -> ParsedQuery:
    """Read a query typed in the search box; raise SearchRefused for one never searchable."""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchRefused(gettext("Search for at most %(most)s characters.")
                            % {"most": MAX_QUERY_LENGTH})
    if any(unicodedata.category(ch) == "Cc" for ch in query):
        raise SearchRefused(gettext("The search contains a control character; type it again."))
    text = query.strip()
    if not text:
        return ParsedQuery()
    if "@" in text and " " not in text:
        return ParsedQuery(email=text.casefold())
    if _PHONE_LIKE.match(text) and not _DAY_FIRST_DATE.search(text) \
            and not _ISO_DATE.search(text):
        digits = _DIGITS.sub("", text)
        if len(digits) >= 6:
            # A national number's leading zeros are not stored after a country code.
            return ParsedQuery(digits=digits.lstrip("0") or digits)
    dates: list[dt.date] = []
    problems: list[str] = []
    lowered = text.casefold()

    def take(match: re.Match[str], year: str, month: str | int, day: str) -> str:
        try:
            number = month if isinstance(month, int) else int(month)
            dates.append(dt.date(int(year), number, int(day)))
        except ValueError:
            problems.append(gettext("“%(text)s” is not a date.") % {"text": match.group(0)})
        return " "

    lowered = _ISO_DATE.sub(lambda m: take(m, m[1], m[2], m[3]), lowered)
    lowered = _DAY_FIRST_DATE.sub(lambda m: take(m, m[3], m[2], m[1]), lowered)

    def named(m: re.Match[str]) -> str:
        month = _MONTHS.get(m[2])
        return take(m, m[3], month, m[1]) if month else m.group(0)

    lowered = _NAMED_MONTH_DATE.sub(named, lowered)
    words = tuple(dict.fromkeys(normalised(lowered).split()))
    if len(words) > MAX_WORDS:
        raise SearchRefused(gettext("Search with at most %(most)s words.") % {"most": MAX_WORDS})
    return ParsedQuery(words=words, dates=tuple(dates), problems=tuple(problems))


def condition(parsed: ParsedQuery) -> Q:
    """Return the filter on Patient for a parsed query (everything it names must match)."""
    found = Q()
    for word in parsed.words:
        found &= Q(search_text__contains=f" {word}")
    for day in parsed.dates:
        found &= Q(date_of_birth=day)
    if parsed.digits:
        found &= Q(search_text__contains=parsed.digits)
    if parsed.email:
        found &= Q(search_text__contains=f" {parsed.email} ")
    return found
