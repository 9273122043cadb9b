"""Keyset ("cursor") pagination: each page continues after the last row's id.

A cursor is opaque to clients: the last id of the page, signed so that a client cannot
forge one and the format can change without breaking them. Unlike an offset, a keyset
page neither skips nor repeats rows when rows are added between calls, and costs the same
on page 1000 as on page 1 (an index range scan on the primary key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core import signing

from orthoregen.web.api.problems import ApiProblem

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

M = TypeVar("M", bound="Model")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_SALT = "orthoregen.api.cursor"


def page_of(queryset: QuerySet[M], *, cursor: str | None, limit: int) -> dict[str, Any]:
    """Return ``{"items": [...], "next_cursor": str | None}`` for the rows after the cursor."""
    rows = queryset.order_by("pk")
    if cursor:
        try:
            after = signing.loads(cursor, salt=_SALT)
        except signing.BadSignature:
            raise ApiProblem(422, "The cursor is not one this API gave.",
                             errors=[("cursor", "Unknown cursor; use next_cursor as given.")]
                             ) from None
        if not isinstance(after, int):
            raise ApiProblem(422, "The cursor is not one this API gave.",
                             errors=[("cursor", "Unknown cursor.")])
        rows = rows.filter(pk__gt=after)
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = signing.dumps(items[-1].pk, salt=_SALT) if more and items else None
    return {"items": items, "next_cursor": next_cursor}
