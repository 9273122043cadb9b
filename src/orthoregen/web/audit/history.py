"""A baseline history row for records that were loaded without one.

Bulk loads (the synthetic cohort, future imports) insert rows without save(), so
django-simple-history writes no "+" row for them, and the first edit's "~" row would then
have nothing to be compared with: the old value would be lost. Before a tracked record is
saved with changes over a stored row that has no history yet, this writes the stored state
as a "+" row, with no user and a reason saying so. It runs on pre_save because the edit may come
from any page, the admin or a service, and none of them knows how the row was loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Field, Model
from django.db.models.signals import pre_save

BASELINE_REASON = "baseline: the state before the first recorded edit (loaded in bulk)"


def history_baseline_ensure(sender: type[Model], instance: Model, raw: bool = False,
                            using: str | None = None, **kwargs: Any) -> None:
    """Write a history row of the stored state if a tracked record is saved with none."""
    manager_name = getattr(sender._meta, "simple_history_manager_attribute", None)
    if raw or manager_name is None or instance.pk is None or instance._state.adding:
        return
    history = getattr(sender, manager_name)
    pk_field = sender._meta.pk
    assert pk_field is not None  # a saved record's model has a primary key
    if history.using(using).filter(**{pk_field.attname: instance.pk}).exists():
        return
    stored = sender._default_manager.using(using).filter(pk=instance.pk).first()
    if stored is None or not _differs(stored, instance, history.model.tracked_fields):
        # Nothing changes (a service saving bulk-created rows to give each its first
        # history row): the "~" row about to be written already holds the stored state.
        return
    # Who loaded it is in the BULK_LOAD access record. django-simple-history (untyped)
    # reads this attribute for the history row's author.
    stored._history_user = None  # type: ignore[attr-defined]
    history.bulk_history_create([stored], default_change_reason=BASELINE_REASON)


def _differs(stored: Model, instance: Model, fields: Iterable[Field[Any, Any]]) -> bool:
    return any(getattr(stored, f.attname) != getattr(instance, f.attname) for f in fields)


def connect() -> None:
    pre_save.connect(history_baseline_ensure, dispatch_uid="audit.history_baseline_ensure")
