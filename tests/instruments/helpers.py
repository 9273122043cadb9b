"""Small builders for test responses (no expected values live here)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from orthoregen.instruments import get_instrument


def every_item(instrument_id: str, code: float, **options: str) -> dict[str, float]:
    """Answer every item of an instrument with the same code."""
    return {item.id: code for item in get_instrument(instrument_id, options).items}


def summing_to(item_ids: tuple[str, ...], raw: int, item_max: int = 4) -> dict[str, int]:
    """Answer the items so that their codes add up to `raw` (fill from the first item)."""
    responses = {}
    for item_id in item_ids:
        code = min(item_max, raw)
        responses[item_id] = code
        raw -= code
    assert raw == 0, "raw sum larger than the items allow"
    return responses


def with_missing(responses: dict, item_ids: list[str]) -> dict:
    """Return a copy of the responses with these items unanswered."""
    return {**responses, **{item_id: None for item_id in item_ids}}


# Applied per test rather than loaded as a profile, so other areas' profiles are untouched.
PROPERTY_SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
