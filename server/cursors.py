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
    """The parts of a cursor made by encode_cursor with n parts, None for no cursor. An empty
    string is not "no cursor" (the caller would read a page it did not ask for): refused."""
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor or len(cursor) > 512:
        raise BadRequest("The cursor is not one we issued", code="invalid_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (ValueError, TypeError):
        raise BadRequest("The cursor is not one we issued", code="invalid_cursor") from None
    if not isinstance(parts, list) or len(parts) != n:
        raise BadRequest("The cursor is not one we issued", code="invalid_cursor")
    return parts


def decode_int_cursor(cursor: str | None, n: int) -> list[int] | None:
    """decode_cursor for cursors of integers (scores, sequence numbers): a forged part that
    is not a 64-bit integer is refused here, not turned into an error in the caller."""
    parts = decode_cursor(cursor, n)
    if parts is None:
        return None
    out = []
    for p in parts:
        if isinstance(p, str) and p.isascii() and p.isdigit() and len(p) <= 18:
            p = int(p)
        if not isinstance(p, int) or isinstance(p, bool) or not -(1 << 63) <= p < (1 << 63):
            raise BadRequest("The cursor is not one we issued", code="invalid_cursor")
        out.append(p)
    return out


def clamp_limit(limit: int | None, default: int = 20, most: int = 100) -> int:
    if limit is None:
        return default
    if limit < 1:
        raise BadRequest("limit must be at least 1", code="invalid_payload")
    return min(limit, most)
