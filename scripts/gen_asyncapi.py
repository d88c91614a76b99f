"""Generate http/asyncapi.yaml (AsyncAPI 3.0), the socket contract, from the code itself.

- client -> server events: the event registry (`server.sockets.EVENTS`, filled by importing
  every `handlers/<domain>/events.py`); each event's payload is the msgspec Struct its handler
  decodes (`decode(Struct, data)`), as JSON Schema (`msgspec.json.schema_components`); its
  reply is the ack `{ok: true, data}` / `{ok: false, error: {code, message}}`; roles from
  `@on(..., roles=...)`.
- server -> client events: every event name the code emits (`emit(...)`, `emit_to_user(...)`,
  `tx.emit(...)`, `(event, data, room)` tuples for `emit_many`), found in the source.
- error codes: every `code=` an AppError is raised with, found in the source.

    python scripts/gen_asyncapi.py           # rewrite http/asyncapi.yaml
    python scripts/gen_asyncapi.py --check   # exit 1 if the file differs from the code
"""
from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

import msgspec
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "http" / "asyncapi.yaml"
EVENT = re.compile(r"^[a-z_]+:[a-z_]+$")
CODE = re.compile(r"^[a-z][a-z0-9_]+$")
SOURCES = ("server", "rooms", "media", "handlers")


def _payload_struct(fn):
    """The Struct a handler decodes its payload into, or None (takes no payload)."""
    fn = inspect.unwrap(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "decode" and node.args):
            try:
                return eval(compile(ast.Expression(node.args[0]), "<payload>", "eval"),
                            fn.__globals__)
            except Exception:  # a computed type: leave the payload open
                return None
    return None


def _scan_sources() -> tuple[set[str], set[str]]:
    """(server -> client event names, error codes) found in the source tree."""
    events, codes = set(), set()
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                        getattr(node.func, "id", "")
                    consts = [a.value for a in node.args if isinstance(a, ast.Constant)
                              and isinstance(a.value, str)]
                    if "emit" in name:
                        events.update(c for c in consts if EVENT.match(c))
                    if name in ("AppError", "__init__") and consts and CODE.match(consts[0]) \
                            and (name == "AppError" or _is_super_init(node)):
                        codes.add(consts[0])
                    for kw in node.keywords:
                        if kw.arg == "code" and isinstance(kw.value, ast.Constant) \
                                and isinstance(kw.value.value, str):
                            codes.add(kw.value.value)
                elif isinstance(node, ast.Tuple) and len(node.elts) == 3:  # emit_many items
                    first = node.elts[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                            and EVENT.match(first.value):
                        events.add(first.value)
    return events, codes


def _is_super_init(node: ast.Call) -> bool:
    f = node.func
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call) \
        and getattr(f.value.func, "id", "") == "super"


def _id(event: str) -> str:
    return event.replace(":", "_")


def build() -> dict:
    sys.path.insert(0, str(ROOT))
    from server.domains import discover
    from server.sockets import EVENTS

    discover()
    structs = {e: _payload_struct(spec.fn) for e, spec in sorted(EVENTS.items())}
    kinds = sorted({s for s in structs.values() if isinstance(s, type)},
                   key=lambda s: s.__name__)
    refs, components = msgspec.json.schema_components(
        kinds, ref_template="#/components/schemas/{name}")
    ref_of = dict(zip(kinds, refs))  # same-named structs get module-qualified names
    pushes, codes = _scan_sources()
    schemas = {name: components[name] for name in sorted(components)}
    schemas["Ack"] = {
        "description": "Every client -> server event is answered with an ack.",
        "oneOf": [
            {"type": "object", "required": ["ok", "data"],
             "properties": {"ok": {"const": True}, "data": {}}},
            {"type": "object", "required": ["ok", "error"],
             "properties": {"ok": {"const": False}, "error": {"$ref": "#/components/schemas/Error"}}}]}
    schemas["Error"] = {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "enum": sorted(codes)},
                       "message": {"type": "string"},
                       "retry_after": {"type": "number"}, "details": {}}}
    channels, operations, messages = {}, {}, {
        "ack": {"name": "ack", "payload": {"$ref": "#/components/schemas/Ack"}}}
    for event, struct in structs.items():
        mid = _id(event)
        payload = ref_of[struct] if isinstance(struct, type) else {"type": ["object", "null"]}
        messages[mid] = {"name": event, "payload": payload}
        channels[mid] = {"address": event,
                         "messages": {mid: {"$ref": f"#/components/messages/{mid}"}}}
        roles = EVENTS[event].roles
        operations[f"{mid}_receive"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{mid}"},
            "summary": f"client -> server `{event}`"
                       + (f" (roles: {', '.join(roles)})" if roles else ""),
            "messages": [{"$ref": f"#/channels/{mid}/messages/{mid}"}],
            "reply": {"channel": {"$ref": "#/channels/ack"},
                      "messages": [{"$ref": "#/channels/ack/messages/ack"}]}}
    channels["ack"] = {"address": None, "description": "The Socket.IO ack of an event.",
                       "messages": {"ack": {"$ref": "#/components/messages/ack"}}}
    for event in sorted(pushes):
        mid = _id(event) + "_push"
        messages[mid] = {"name": event, "payload": {"type": "object"}}
        channels[mid] = {"address": event,
                         "messages": {mid: {"$ref": f"#/components/messages/{mid}"}}}
        operations[f"{mid}_send"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{mid}"},
            "summary": f"server -> client `{event}`",
            "messages": [{"$ref": f"#/channels/{mid}/messages/{mid}"}]}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Sawt socket API", "version": "1.0.0",
                 "description": "Socket.IO v5 events of Sawt, generated by "
                                "scripts/gen_asyncapi.py from the event registry and the "
                                "msgspec payload structs. Connect with `auth: {token}`; a "
                                "refused connect is `connect_error` with {code, message}."},
        "defaultContentType": "application/json",
        "servers": {"development": {"host": "127.0.0.1:8080", "protocol": "ws",
                                    "pathname": "/socket.io/",
                                    "description": "Socket.IO v5 over Engine.IO v4"}},
        "channels": channels, "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    return ("# Generated by scripts/gen_asyncapi.py from the event registry: do not edit.\n"
            + yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100))


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text() != text:
            print("http/asyncapi.yaml differs from the code: run "
                  "python scripts/gen_asyncapi.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
