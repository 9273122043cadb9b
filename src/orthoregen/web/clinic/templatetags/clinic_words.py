"""The clinic's words for the codes the data keeps: instruments, subscales, scores.

Codes such as ``womac_lk31`` or ``pain_much_worse`` stay in the database, the API and the
exports meant for programs; a page a person reads shows the instrument's own name from its
definition (orthoregen.instruments), never the code: words, not codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from orthoregen.instruments.errors import UnknownInstrumentError
from orthoregen.instruments.registry import get_instrument

register = template.Library()


def words_for_code(code: str) -> str:
    """Return a code no vocabulary names as words: "pain_much_worse" -> "pain much worse"."""
    return str(code).replace("_", " ")


@register.filter
def instrument_name(instrument_id: str) -> str:
    """Return an instrument's name as its definition gives it ("WOMAC LK3.1 (Likert 0–4)")."""
    try:
        return get_instrument(instrument_id).name
    except UnknownInstrumentError:
        return words_for_code(instrument_id)


@register.filter
def instrument_names(instrument_ids: Iterable[str]) -> str:
    """Return the names of several instruments, separated by commas, in the given order."""
    return ", ".join(instrument_name(i) for i in instrument_ids)


@register.filter
def subscale_name(subscale_id: str, instrument_id: str) -> str:
    """Return a subscale's name within its instrument ("Pain"), or the id as words."""
    try:
        instrument = get_instrument(instrument_id)
    except UnknownInstrumentError:
        return words_for_code(subscale_id)
    named = {subscale.id: subscale.name for subscale in instrument.subscales}
    return named.get(subscale_id, words_for_code(subscale_id))
