"""What KOOS-PS and HOOS-PS share: a Rasch nomogram read in one of two directions.

The original publications score 0 = no difficulty; koos.nu also publishes the reversed
table (100 = no difficulty, "in accordance with KOOS"). The direction is always stored
(instruments.md 3.2, 4.2); we default to 100 = no difficulty, like the parent scales.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Subscale,
    Threshold,
    ThresholdKind,
    round_half_away,
)
from orthoregen.instruments.rules import TableLookup

NO_DIFFICULTY_HIGH = "100_no_difficulty"
EXTREME_DIFFICULTY_HIGH = "100_extreme_difficulty"

PS_DIRECTION = OptionSpec(
    "table_direction",
    (NO_DIFFICULTY_HIGH, EXTREME_DIFFICULTY_HIGH),
    NO_DIFFICULTY_HIGH,
    "koos.nu Table 1a (100 = no difficulty) or the original Table 1b (100 = extreme difficulty)",
)
PS_MISSING = OptionSpec(
    "max_missing",
    ("0", "1"),
    "0",
    "instruments.md 13.2 [U]: default every item required; '1' is a documented local rule "
    "that prorates the raw sum before look-up",
)


def ps_version(source: str, direction: str) -> str:
    """Name the nomogram and the direction it is read in."""
    if direction == NO_DIFFICULTY_HIGH:
        return f"{source}; Table 1a direction (100 = no difficulty)"
    return f"{source}; original Table 1b direction (100 = extreme difficulty)"


def ps_thresholds(
    direction: str,
    joint: str,
    population: str,
    source: str,
    changes: tuple[tuple[ThresholdKind, float], ...],
    states: tuple[tuple[ThresholdKind, float], ...],
    evidence: Evidence = Evidence.VERIFIED,
) -> tuple[Threshold, ...]:
    """Express published thresholds in the chosen table direction.

    `changes` are improvement magnitudes; `states` are values on the 100 = no difficulty
    table and are mirrored (100 − value) for the original direction.
    """
    improving = 1.0 if direction == NO_DIFFICULTY_HIGH else -1.0
    thresholds = [
        Threshold(
            "physical_function",
            kind,
            improving * magnitude,
            "points",
            joint,
            population,
            source,
            evidence,
        )
        for kind, magnitude in changes
    ]
    for kind, value in states:
        if direction == NO_DIFFICULTY_HIGH:
            thresholds.append(
                Threshold(
                    "physical_function", kind, value, "points", joint, population, source, evidence
                )
            )
        else:
            thresholds.append(
                Threshold(
                    "physical_function",
                    kind,
                    round_half_away(100 - value, 1),
                    "points",
                    joint,
                    population,
                    source,
                    evidence,
                    note=f"published as {value} on the 100 = no difficulty table; mirrored",
                )
            )
    return tuple(thresholds)


def short_form(
    instrument_id: str,
    name: str,
    version: str,
    joint: str,
    licence: Licence,
    items: tuple[Item, ...],
    table: tuple[float, ...],
    direction: str,
    max_missing: int,
    source: str,
    thresholds: tuple[Threshold, ...],
) -> Instrument:
    """Build a PS short form whose `table` is given in the 100 = no difficulty direction."""
    if direction == EXTREME_DIFFICULTY_HIGH:
        # 100 − value, rounded back to the published one decimal (100 − 94.4 is 5.59999…).
        table = tuple(round_half_away(100 - value, 1) for value in table)
    subscale = Subscale(
        "physical_function",
        name,
        tuple(item.id for item in items),
        TableLookup(table, source, max_missing),
        0,
        100,
        higher_is_better=direction == NO_DIFFICULTY_HIGH,
    )
    return Instrument(
        id=instrument_id,
        name=name,
        version=version,
        joints=(joint,),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=licence,
        items=items,
        subscales=(subscale,),
        references=(source, "instruments.md 3.2, 4.2"),
        thresholds=thresholds,
        notes=(
            "Item ids are those of the parent questionnaire.",
            "Always state which table direction was used.",
        ),
    )
