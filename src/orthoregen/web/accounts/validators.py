"""A password validator Django lacks: refuse passwords made of repeated or sequential runs.

NIST SP 800-63B section 5.1.1.2 asks verifiers to refuse "repetitive or sequential
characters (e.g. 'aaaaaa', '1234abcd')"; Django's validators catch length, common and
numeric-only passwords, but `aaaaaaaaaaaa` or `abcdefghijkl` pass all three.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# Steps between neighbouring characters that continue a run: the same character again, or
# the next or previous one ("aaaa", "abcd", "4321").
RUN_STEPS = (0, 1, -1)


def runs(text: str) -> list[str]:
    """Split ``text`` into its longest runs of one repeated or evenly stepping character."""
    found: list[str] = []
    start = 0
    while start < len(text):
        end = start + 1
        if end < len(text) and (step := ord(text[end]) - ord(text[start])) in RUN_STEPS:
            while end < len(text) and ord(text[end]) - ord(text[end - 1]) == step:
                end += 1
        found.append(text[start:end])
        start = end
    return found


def is_repeated_pattern(text: str) -> bool:
    """Say whether ``text`` is one short piece said three times or more ("ababab", "xyzxyzxyz")."""
    return any((text[:size] * (len(text) // size + 1))[:len(text)] == text
               for size in range(1, len(text) // 3 + 1))


class RepetitiveOrSequentialValidator:
    """Refuse a password whose runs average ``min_run_length`` characters or more, or that
    repeats one short piece.

    `aaaaaaaaaaaa` is one run, `123456789012` two ("123456789", "012") and `1234abcd5678`
    three of four: all refused, as is `abababababab`. A passphrase with a short run in it
    ("ward-123-tulip-oak") averages well under two characters a run and passes.
    """

    def __init__(self, min_run_length: int = 4) -> None:
        self.min_run_length = min_run_length

    def validate(self, password: str, user: object = None) -> None:
        lowered = password.lower()
        pieces = runs(lowered)
        if pieces and (len(password) >= self.min_run_length * len(pieces)
                       or is_repeated_pattern(lowered)):
            raise ValidationError(gettext(
                "This password is made of repeated or sequential characters (like “aaaa” or "
                "“1234”), which are guessed first. Choose something less regular."),
                code="password_repetitive_or_sequential")

    def get_help_text(self) -> str:
        return gettext("Your password can’t be made of repeated or sequential characters.")
