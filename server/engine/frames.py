"""Server-to-client websocket frames (RFC 6455 §5.2). Server frames are never masked, so one
broadcast is the same bytes for every recipient: build the frame once, write it N times."""
from __future__ import annotations

TEXT, BINARY = 0x1, 0x2


def ws_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """A single final frame carrying `payload` (no compression: we never negotiate it)."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big") + payload
    return bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big") + payload
