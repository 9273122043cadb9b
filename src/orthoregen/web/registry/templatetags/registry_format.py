"""Number formatting for the outcome pages: missing values show as a dash, never as nan."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


@register.filter
def num(value: Any, decimals: int = 1) -> str:
    """Format a number with fixed decimals ("—" when missing)."""
    return "—" if _missing(value) else f"{float(value):.{int(decimals)}f}"


@register.filter
def pct(value: Any) -> str:
    """Format a proportion as a percentage with one decimal ("—" when missing)."""
    return "—" if _missing(value) else f"{100 * float(value):.1f} %"


@register.filter
def ae_term(value: str) -> str:
    """Return an adverse event term as the safety form names it ("Post-injection flare")."""
    from orthoregen.web.safety.models import TERM_CHOICES

    return dict(TERM_CHOICES).get(value, value)


@register.filter
def timepoint(value: str, labels: Mapping[str, str]) -> str:
    """Return a time point's label (month_6 → 6 months)."""
    return labels.get(value, value)
