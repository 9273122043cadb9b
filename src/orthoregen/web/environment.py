"""Strict readers of environment variables for the settings module.

A typo in production configuration must stop start-up with a message naming the variable,
never fall back silently to an unsafe default.
"""

from __future__ import annotations

import os
from typing import overload

from django.core.exceptions import ImproperlyConfigured


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable's value, or the default when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, *, default: bool) -> bool:
    """Return a boolean variable: true or false (any case); anything else stops start-up.

    "yes", "1" or "on" are refused too, so that a setting reads the same in every file and a
    half-remembered spelling is caught at start-up instead of silently taken for true.
    """
    raw = env_str(name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    """Return a whole-number variable of at least ``minimum``; anything else stops start-up."""
    raw = env_str(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, "
                                   f"not {raw!r}.")
    return int(raw)


def env_choice(name: str, choices: tuple[str, ...], *, default: str) -> str:
    """Return a variable that must be one of a few words."""
    raw = env_str(name, default)
    assert raw is not None
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return raw


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Return a comma-separated list variable, without blanks."""
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
