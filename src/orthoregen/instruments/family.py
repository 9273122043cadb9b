"""What the KOOS and the HOOS share: 0–4 items, a five-subscale profile, PS nomograms, JR tables.

The HOOS is scored exactly as the KOOS (HOOS Scoring 2013), so one set of builders serves
both; koos.py and hoos.py hold only their items, limits, tables and thresholds.

The PS nomograms: the original publications score 0 = no difficulty; koos.nu also
publishes the reversed table (100 = no difficulty, "in accordance with KOOS"). The direction
is always stored (docs/instruments.md#koos-ps and docs/instruments.md#hoos-ps); we default
to 100 = no difficulty, like the parent scales.
"""

from __future__ import annotations

from dataclasses import dataclass

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Study,
    Subscale,
    Threshold,
    ThresholdKind,
    codes,
    round_half_away,
)
from orthoregen.instruments.rules import MeanTransformed, TableLookup
from orthoregen.instruments.womac import FUNCTION_TOPICS

MDC_2014 = "BMC Musculoskelet Disord 2014;15:235, doi:10.1186/1471-2474-15-235"


def items_from_topics(topics: dict[str, tuple[str, ...]]) -> tuple[Item, ...]:
    """Number each group's topics (P1, P2 …), all coded 0 = no problem … 4 = extreme."""
    return tuple(
        Item(id=f"{prefix}{number}", topic=topic, options=codes(0, 4), higher_is_better=False)
        for prefix, group in topics.items()
        for number, topic in enumerate(group, start=1)
    )


def select_items(items: tuple[Item, ...], item_ids: tuple[str, ...]) -> tuple[Item, ...]:
    """Return the parent's items that a short form uses, in the short form's order."""
    by_id = {item.id: item for item in items}
    return tuple(by_id[item_id] for item_id in item_ids)


# The ADL subscale is the WOMAC LK3.0 physical function section, which the KOOS and the HOOS
# both contain whole and in the same order (docs/instruments.md#womac-inside-koos-and-hoos);
# the KOOS form's A5 adds "pick up an object".
ADL_TOPICS = (*FUNCTION_TOPICS[:4], "bending to floor/pick up an object", *FUNCTION_TOPICS[5:])


@dataclass(frozen=True, kw_only=True)
class ProfileSubscale:
    """One KOOS/HOOS subscale: its item group and minimum answered items under each rule."""

    id: str
    name: str
    prefix: str
    loinc: str
    minimum_current: int
    minimum_superseded: int


# The five subscales in the order both guides report them: (id, name, item prefix).
PROFILE = (
    ("pain", "Pain", "P"),
    ("symptoms", "Symptoms", "S"),
    ("adl", "ADL", "A"),
    ("sport_rec", "Sport/Rec", "SP"),
    ("qol", "QOL", "Q"),
)


def profile_rows(limits: dict[str, tuple[str, int, int]]) -> tuple[ProfileSubscale, ...]:
    """Return the five subscales from {id: (LOINC, minimum answered now, under the old rule)}."""
    return tuple(
        ProfileSubscale(
            id=subscale_id,
            name=name,
            prefix=prefix,
            loinc=limits[subscale_id][0],
            minimum_current=limits[subscale_id][1],
            minimum_superseded=limits[subscale_id][2],
        )
        for subscale_id, name, prefix in PROFILE
    )


def profile_subscales(
    *,
    topics: dict[str, tuple[str, ...]],
    rows: tuple[ProfileSubscale, ...],
    current_rule: bool,
    guide: str,
) -> tuple[Subscale, ...]:
    """Build the five 0–100 subscales, 100 = no problems, each with its missing-item limit."""
    return tuple(
        Subscale(
            id=row.id,
            name=row.name,
            items=tuple(f"{row.prefix}{n}" for n in range(1, len(topics[row.prefix]) + 1)),
            rule=MeanTransformed(
                min_answered=row.minimum_current if current_rule else row.minimum_superseded,
                source=guide,
            ),
            minimum=0,
            maximum=100,
            higher_is_better=True,
            loinc=row.loinc,
        )
        for row in rows
    )


def profile(
    *,
    instrument_id: str,
    name: str,
    joint: str,
    licence: Licence,
    topics: dict[str, tuple[str, ...]],
    rows: tuple[ProfileSubscale, ...],
    current_rule: bool,
    guide: str,
    references: tuple[str, ...],
    thresholds: tuple[Threshold, ...],
    notes: tuple[str, ...],
) -> Instrument:
    """Build a KOOS or HOOS (LK2.0): five 0–100 subscales of the 0–4 items in `topics`.

    `references` name the instrument's own publications; the scoring guide in force and the
    docs section follow them.
    """
    return Instrument(
        id=instrument_id,
        name=name,
        version="LK2.0",
        joints=(joint,),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=licence,
        items=items_from_topics(topics),
        subscales=profile_subscales(
            topics=topics, rows=rows, current_rule=current_rule, guide=guide
        ),
        references=(*references, guide, f"docs/instruments.md#{instrument_id}"),
        thresholds=thresholds,
        notes=notes,
    )


def mdc_thresholds(
    *, values: tuple[tuple[str, float], ...], joint: str, population: str
) -> tuple[Threshold, ...]:
    """Return the MDC95 per subscale in people awaiting arthroplasty (BMC 2014;15:235)."""
    study = Study(source=MDC_2014, population=population, joint=joint)
    return tuple(
        study.threshold(subscale, ThresholdKind.MDC95, value) for subscale, value in values
    )


def joint_replacement(
    *,
    instrument_id: str,
    name: str,
    title: str,
    joint: str,
    licence: Licence,
    items: tuple[Item, ...],
    table: tuple[float, ...],
    loinc: str,
    thresholds: tuple[Threshold, ...],
    notes: tuple[str, ...],
) -> Instrument:
    """Build a KOOS JR / HOOS JR: raw sum through the HSS table, 0 = total disability."""
    source = f"HSS {name} conversion table"
    subscale = Subscale(
        id="interval_score",
        name=f"{name} interval score",
        items=tuple(item.id for item in items),
        rule=TableLookup(table=table, source=source),
        minimum=0,
        maximum=100,
        higher_is_better=True,
        decimals=3,
        loinc=loinc,
    )
    return Instrument(
        id=instrument_id,
        name=title,
        version=f"HSS {name}",
        joints=(joint,),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=licence,
        items=items,
        subscales=(subscale,),
        references=(
            source,
            "Lyman S et al., Clin Orthop Relat Res 2016",
            f"docs/instruments.md#{instrument_id.replace('_', '-')}",
        ),
        thresholds=thresholds,
        notes=notes,
    )


NO_DIFFICULTY_HIGH = "100_no_difficulty"
EXTREME_DIFFICULTY_HIGH = "100_extreme_difficulty"

PS_DIRECTION = OptionSpec(
    name="table_direction",
    choices=(NO_DIFFICULTY_HIGH, EXTREME_DIFFICULTY_HIGH),
    default=NO_DIFFICULTY_HIGH,
    description=(
        "koos.nu Table 1a (100 = no difficulty) or the original Table 1b (100 = extreme difficulty)"
    ),
)
PS_MISSING = OptionSpec(
    name="max_missing",
    choices=("0", "1"),
    default="0",
    description=(
        "[U] default every item required; '1' is a documented local rule that prorates the raw "
        "sum before look-up (docs/instruments.md#ps-short-form-missing-items)"
    ),
)


def ps_version(source: str, direction: str) -> str:
    """Name the nomogram and the direction it is read in."""
    if direction == NO_DIFFICULTY_HIGH:
        return f"{source}; Table 1a direction (100 = no difficulty)"
    return f"{source}; original Table 1b direction (100 = extreme difficulty)"


def ps_thresholds(
    *,
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
    study = Study(source=source, population=population, joint=joint, evidence=evidence)
    improving = 1.0 if direction == NO_DIFFICULTY_HIGH else -1.0
    thresholds = [
        study.threshold("physical_function", kind, improving * magnitude)
        for kind, magnitude in changes
    ]
    for kind, value in states:
        if direction == NO_DIFFICULTY_HIGH:
            thresholds.append(study.threshold("physical_function", kind, value))
        else:
            mirrored = round_half_away(100 - value, 1)
            note = f"published as {value} on the 100 = no difficulty table; mirrored"
            thresholds.append(study.threshold("physical_function", kind, mirrored, note=note))
    return tuple(thresholds)


def short_form(
    *,
    instrument_id: str,
    name: str,
    joint: str,
    licence: Licence,
    items: tuple[Item, ...],
    table: tuple[float, ...],
    direction: str,
    max_missing: int,
    source: str,
    thresholds: tuple[Threshold, ...],
) -> Instrument:
    """Build a PS short form whose `table` is given in the 100 = no difficulty direction.

    `source` names the nomogram; the version says which direction it is read in.
    """
    if direction == EXTREME_DIFFICULTY_HIGH:
        # 100 − value, rounded back to the published one decimal (100 − 94.4 is 5.59999…).
        table = tuple(round_half_away(100 - value, 1) for value in table)
    subscale = Subscale(
        id="physical_function",
        name=name,
        items=tuple(item.id for item in items),
        rule=TableLookup(table=table, source=source, max_missing=max_missing),
        minimum=0,
        maximum=100,
        higher_is_better=direction == NO_DIFFICULTY_HIGH,
    )
    return Instrument(
        id=instrument_id,
        name=name,
        version=ps_version(source, direction),
        joints=(joint,),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=licence,
        items=items,
        subscales=(subscale,),
        references=(source, f"docs/instruments.md#{instrument_id.replace('_', '-')}"),
        thresholds=thresholds,
        notes=(
            "Item ids are those of the parent questionnaire.",
            "Always state which table direction was used.",
        ),
    )
