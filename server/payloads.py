"""The input boundary: every untrusted JSON value is bounded here, once, before any handler.

Socket.IO packets are parsed by `load_socket_json` (the packet class's JSON module) and HTTP
bodies by `parse_json_body`; both decode with msgspec (strict JSON: no NaN/Infinity, no lone
surrogates, numbers in range) and then walk the value once, iteratively, refusing what no
handler should ever see: nesting deeper than MAX_JSON_DEPTH, integers outside 64 bits, NUL in
text. A refused socket event keeps its name and ack id, so the caller gets `invalid_payload`.
`decode` then converts the checked value into a msgspec Struct (types, lengths, patterns).
"""
from __future__ import annotations

import json as _stdlib_json
import re
from typing import Annotated, Any, TypeVar

import msgspec

from server.errors import BadRequest

T = TypeVar("T")

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# Invisible, zero-width and bidirectional-control characters: a name made only of these (or
# spaces) shows as nothing, or as someone else's name reversed; a name needs one visible char.
_INVISIBLE = "\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e" \
             "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
VISIBLE_NAME = f"[^{_INVISIBLE}]"
VisibleName = Annotated[str, msgspec.Meta(pattern=VISIBLE_NAME, description="a name with at "
                                         "least one visible character")]
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


class Rejected:
    """Stands in for a socket payload refused at the edge; the dispatcher acks `reason`."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def check_tree(value: Any) -> str | None:
    """Why `value` (decoded JSON) may not reach a handler, or None. Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            if "\x00" in v:
                return "text must not contain NUL (U+0000)"
            if not v.isascii():
                try:
                    v.encode()
                except UnicodeEncodeError:
                    return "text must be valid Unicode (no lone surrogates)"
        elif isinstance(v, bool) or v is None or isinstance(v, (float, bytes)):
            continue
        elif isinstance(v, int):
            if not INT64_MIN <= v <= INT64_MAX:
                return "integer out of range (64-bit signed)"
        elif isinstance(v, (list, dict)):
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            if isinstance(v, dict):
                for k, x in v.items():
                    stack.append((k, depth))
                    stack.append((x, depth + 1))
            else:
                stack.extend((x, depth + 1) for x in v)
    return None


_LONG_NUMBER = re.compile(r"[0-9]{19}")


def _cannot_break_a_bound(raw: str | bytes) -> bool:
    """A cheap look at the text that proves the walk would find nothing: fewer openers than
    the depth limit, no escaped NUL, no 19-digit run (raw NUL and lone surrogates are refused
    by the decoder itself). Typical packets pass and skip the walk."""
    if isinstance(raw, str):
        return (raw.count("[") + raw.count("{") <= MAX_JSON_DEPTH
                and "\\u0000" not in raw and _LONG_NUMBER.search(raw) is None)
    return (raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH
            and b"\\u0000" not in raw and _LONG_NUMBER_B.search(raw) is None)


_LONG_NUMBER_B = re.compile(rb"[0-9]{19}")


def _load_checked(raw: str | bytes) -> tuple[Any, str | None]:
    try:
        value = msgspec.json.decode(raw)
    except RecursionError:
        return None, f"nested deeper than {MAX_JSON_DEPTH} levels"
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return None, f"not valid JSON ({exc})"
    return value, None if _cannot_break_a_bound(raw) else check_tree(value)


_EVENT_NAME = re.compile(r'\[\s*"([A-Za-z0-9_:.\-]{1,64})"')


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _is_json_text(text: str | bytes) -> bool:
    """Well-formed JSON text, past our bounds or not (lone surrogate escapes, huge numbers and
    deep nesting are JSON; NaN and Infinity are not: JSON.parse, and so the reference
    Socket.IO parser, refuses them)?"""
    try:
        _stdlib_json.loads(text, parse_constant=_not_json)
    except RecursionError:
        return True  # well-formed, only too deep
    except ValueError:
        return False
    return True


def load_socket_json(text: str | bytes) -> Any:
    """The JSON `loads` of Socket.IO packets. A packet that is JSON but past a bound (too
    deep, lone surrogates, huge numbers, NUL) keeps its event name and ack id and becomes
    [name, Rejected(...)], acked `invalid_payload`; text that is not JSON (broken, NaN,
    Infinity), even with a readable event name, is a protocol error (ValueError: the engine
    closes the connection, as the Socket.IO spec asks of a packet it cannot decode)."""
    value, reason = _load_checked(text)
    if reason is None:
        return value
    if reason.startswith("not valid JSON") and not _is_json_text(text):
        raise ValueError(f"Socket.IO packet refused: {reason}")
    m = _EVENT_NAME.match(text if isinstance(text, str) else text.decode("utf-8", "replace"))
    if m:
        return [m.group(1), Rejected(reason)]
    raise ValueError(f"Socket.IO packet refused: {reason}")


class SocketJson:
    """A `json`-module stand-in for python-socketio's Packet: bounded loads, stdlib dumps."""

    loads = staticmethod(load_socket_json)
    dumps = staticmethod(_stdlib_json.dumps)


def parse_json_body(body: bytes) -> Any:
    """A JSON HTTP body, bounded (size is capped by aiohttp's client_max_size), or 400."""
    if not body:
        raise BadRequest("Request body is empty; JSON expected", code="invalid_payload")
    value, reason = _load_checked(body)
    if reason is not None:
        code = "invalid_json" if reason.startswith("not valid JSON") else "invalid_payload"
        raise BadRequest(f"Body refused: {reason}", code=code)
    return value


def decode(kind: type[T], data: Any) -> T:
    """Convert an edge-checked payload (dict from Socket.IO) into `kind` or raise BadRequest."""
    if data is None:
        data = {}
    try:
        return msgspec.convert(data, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise BadRequest(f"Invalid payload: {exc}", code="invalid_payload") from None


def decode_json(kind: type[T], body: bytes) -> T:
    """Parse a JSON HTTP body into `kind` (through the same bounds) or raise BadRequest."""
    return decode(kind, parse_json_body(body))


def query_int(raw: str | None, default: int, *, low: int = 1, high: int = 500,
              name: str = "limit") -> int:
    """A query-string integer: ASCII digits only (not '²' or '١'), clamped to [low, high]."""
    if raw is None or raw == "":
        return default
    if not ASCII_DIGITS.fullmatch(raw):
        raise BadRequest(f"{name} must be a number of ASCII digits", code="invalid_payload")
    return max(low, min(int(raw), high))


def to_builtins(obj: Any) -> Any:
    """Structs, datetimes, UUIDs -> JSON/msgpack-safe builtins for acks and events."""
    return msgspec.to_builtins(obj)
