"""Strict decoding of event and request payloads into msgspec Structs, with clear errors."""
from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from server.errors import BadRequest

T = TypeVar("T")


def decode(kind: type[T], data: Any) -> T:
    """Convert an already-parsed payload (dict from Socket.IO) into `kind` or raise BadRequest."""
    if data is None:
        data = {}
    try:
        return msgspec.convert(data, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Invalid payload: {exc}", code="invalid_payload") from None


def decode_json(kind: type[T], body: bytes) -> T:
    """Parse a JSON HTTP body into `kind` or raise BadRequest."""
    if not body:
        raise BadRequest("Request body is empty; JSON expected", code="invalid_payload")
    try:
        return msgspec.json.decode(body, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Invalid payload: {exc}", code="invalid_payload") from None
    except msgspec.DecodeError:
        raise BadRequest("Body is not valid JSON", code="invalid_json") from None


def to_builtins(obj: Any) -> Any:
    """Structs, datetimes, UUIDs -> JSON/msgpack-safe builtins for acks and events."""
    return msgspec.to_builtins(obj)
