"""Outcome instruments: definitions as data, exact scoring of one response or a table.

Public API: `score`, `score_batch`, `get_instrument`, `instrument_ids`, `display_value`,
`round_half_away`, the text-pack functions, and the error classes.
"""

from orthoregen.instruments.definitions import (
    Evidence,
    Instrument,
    Threshold,
    ThresholdBasis,
    ThresholdKind,
    round_half_away,
)
from orthoregen.instruments.errors import (
    OptionError,
    ResponseError,
    TextPackError,
    UnknownInstrumentError,
)
from orthoregen.instruments.registry import get_instrument, instrument_ids, option_specs
from orthoregen.instruments.scoring import (
    ScoreResult,
    SubscaleScore,
    display_value,
    score,
    score_batch,
)

__all__ = [
    "Evidence",
    "Instrument",
    "OptionError",
    "ResponseError",
    "ScoreResult",
    "SubscaleScore",
    "TextPackError",
    "Threshold",
    "ThresholdBasis",
    "ThresholdKind",
    "UnknownInstrumentError",
    "display_value",
    "get_instrument",
    "instrument_ids",
    "option_specs",
    "round_half_away",
    "score",
    "score_batch",
]
