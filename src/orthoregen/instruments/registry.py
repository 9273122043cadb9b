"""Look instruments up by id and build them with their (documented-default) options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache

from orthoregen.instruments import (
    ases,
    ases_clinician,
    constant,
    eq5d,
    global_assessment,
    harris,
    hoos,
    koos,
    oxford,
    pain,
    promis,
    range_of_motion,
    sane,
    womac,
)
from orthoregen.instruments.definitions import Instrument, OptionSpec, Recipe
from orthoregen.instruments.errors import OptionError, UnknownInstrumentError

RECIPES: dict[str, Recipe] = {
    **pain.RECIPES,
    **global_assessment.RECIPES,
    **womac.RECIPES,
    **koos.RECIPES,
    **hoos.RECIPES,
    **oxford.RECIPES,
    **ases.RECIPES,
    **ases_clinician.RECIPES,
    **harris.RECIPES,
    **constant.RECIPES,
    **sane.RECIPES,
    **range_of_motion.RECIPES,
    **promis.RECIPES,
    **eq5d.RECIPES,
}


def instrument_ids() -> tuple[str, ...]:
    """Return every defined instrument id."""
    return tuple(RECIPES)


def option_specs(instrument_id: str) -> tuple[OptionSpec, ...]:
    """Return the scoring options an instrument offers, with their defaults."""
    return _recipe(instrument_id).options


def get_instrument(instrument_id: str, options: Mapping[str, str] | None = None) -> Instrument:
    """Return the instrument definition built with `options` (defaults for those not given)."""
    recipe = _recipe(instrument_id)
    chosen = {spec.name: spec.default for spec in recipe.options}
    for name, value in (options or {}).items():
        spec = next((spec for spec in recipe.options if spec.name == name), None)
        if spec is None:
            offered = ", ".join(s.name for s in recipe.options) or "none"
            raise OptionError(f"{instrument_id} has no option {name!r}; options: {offered}")
        if value not in spec.choices:
            raise OptionError(
                f"{instrument_id} option {name}={value!r}; choices: {', '.join(spec.choices)}"
            )
        chosen[name] = value
    return _build(instrument_id, tuple(sorted(chosen.items())))


@cache
def _build(instrument_id: str, options: tuple[tuple[str, str], ...]) -> Instrument:
    return replace(RECIPES[instrument_id].build(**dict(options)), options=options)


def _recipe(instrument_id: str) -> Recipe:
    try:
        return RECIPES[instrument_id]
    except KeyError:
        raise UnknownInstrumentError(instrument_id, instrument_ids()) from None
