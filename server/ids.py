"""Ids clients send: checked once, at the edge, into the canonical string form."""
from __future__ import annotations

import uuid

from server.errors import AppError


def check_uuid(value: str | None, err: AppError) -> str:
    """`value` as a canonical UUID string, or raise `err` (the caller's not-found or
    bad-request error: an id that cannot exist is reported like one that does not)."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise err from None
