"""Opaque cursors: clients pass them back untouched; only this module knows their shape."""
from __future__ import annotations

import base64
import json
from typing import Any

from server.errors import BadRequest


def encode_cursor(*parts: Any) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, n: int) -> list | None:
    """The parts of a cursor made by encode_cursor with n parts, None for no cursor."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (ValueError, TypeError):
        raise BadRequest("The cursor is not one we issued", code="invalid_cursor") from None
    if not isinstance(parts, list) or len(parts) != n:
        raise BadRequest("The cursor is not one we issued", code="invalid_cursor")
    return parts


def clamp_limit(limit: int | None, default: int = 20, most: int = 100) -> int:
    if limit is None:
        return default
    if limit < 1:
        raise BadRequest("limit must be at least 1", code="invalid_payload")
    return min(limit, most)
