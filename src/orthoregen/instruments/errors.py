"""Errors raised by the instruments package, one class per kind of mistake."""

from __future__ import annotations


class ResponseError(ValueError):
    """Raised when a response holds an unknown item, a wrong type or a code outside the options.

    Nothing is clipped or guessed (docs/instruments.md#conventions): the caller must fix the data.
    """

    def __init__(self, instrument_id: str, item_id: str, problem: str, allowed: str) -> None:
        self.instrument_id = instrument_id
        self.item_id = item_id
        self.problem = problem
        self.allowed = allowed
        super().__init__(f"{instrument_id} item {item_id!r}: {problem}; allowed: {allowed}")


class UnknownInstrumentError(LookupError):
    """Raised when an instrument id is not defined."""

    def __init__(self, instrument_id: str, known: tuple[str, ...]) -> None:
        self.instrument_id = instrument_id
        super().__init__(f"unknown instrument {instrument_id!r}; known: {', '.join(known)}")


class OptionError(ValueError):
    """Raised when a scoring option is unknown or set to a value it does not offer."""


class TextPackError(ValueError):
    """Raised when a text pack does not match its instrument's definition."""
