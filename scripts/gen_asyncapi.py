"""Generate http/asyncapi.yaml (AsyncAPI 3.0), the socket contract, from the code itself.

- client -> server events: the event registry (`server.sockets.EVENTS`, filled by importing
  every `handlers/<domain>/events.py`); each event's payload is the msgspec Struct its handler
  decodes (`decode(Struct, data)`), as JSON Schema (`msgspec.json.schema_components`); its
  reply is the ack `{ok: true, data}` / `{ok: false, error: {code, message}}`, `data` being
  the type the domain's `contract.py` declares for it in REPLIES; roles from
  `@on(..., roles=...)`.
- server -> client events: every event name the code emits (`emit(...)`, `emit_to_user(...)`,
  `tx.emit(...)`, `(event, data, room)` tuples for `emit_many`), found in the source, with the
  payload type the domain's `contract.py` declares in PUSHES.
- error codes: every `code=` an AppError is raised with, found in the source.

An event or push with no declared type is written with an open payload; tests/test_asyncapi.py
fails on it, and validates what a live server sends against this file.

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
PUSH = re.compile(r"^[a-z_]+(:[a-z_]+)?$")  # an emitted name: `notify` has no domain prefix
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
                        events.update(c for c in consts if PUSH.match(c))
                    if name in ("AppError", "__init__") and consts and CODE.match(consts[0]) \
                            and (name == "AppError" or _is_super_init(node)):
                        codes.add(consts[0])
                    for kw in node.keywords:
                        if kw.arg == "code" and isinstance(kw.value, ast.Constant) \
                                and isinstance(kw.value.value, str):
                            codes.add(kw.value.value)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    # an error class's default code: `def __init__(..., code="conflict")`
                    args = node.args.args[len(node.args.args) - len(node.args.defaults):]
                    for arg, default in [*zip(args, node.args.defaults),
                                         *zip(node.args.kwonlyargs, node.args.kw_defaults)]:
                        if arg.arg == "code" and isinstance(default, ast.Constant) \
                                and isinstance(default.value, str):
                            codes.add(default.value)
                elif isinstance(node, ast.Dict):  # an error written out: {"code", "message"}
                    keys = {k.value: v for k, v in zip(node.keys, node.values)
                            if isinstance(k, ast.Constant)}
                    if "message" in keys and isinstance(keys.get("code"), ast.Constant) \
                            and isinstance(keys["code"].value, str):
                        codes.add(keys["code"].value)
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
    """A component key for an event name (`announce:{event}` -> `announce_event`)."""
    return re.sub(r"[^A-Za-z0-9_]", "", event.replace(":", "_"))


def declared() -> tuple[dict, dict]:
    """(REPLIES, PUSHES) of every domain's contract.py: event -> type."""
    from server.domains import discover

    replies, pushes = {}, {}
    for d in discover():
        for attr, table in (("REPLIES", replies), ("PUSHES", pushes)):
            for event, kind in getattr(d.contract, attr, {}).items():
                if event in table:
                    raise ValueError(f"{event!r} is declared in two domains' {attr}")
                table[event] = kind
    return replies, pushes


OPEN = {"description": "not declared in a domain's contract.py"}


def build() -> dict:
    sys.path.insert(0, str(ROOT))
    from server.domains import discover
    from server.sockets import EVENTS

    discover()
    structs = {e: _payload_struct(spec.fn) for e, spec in sorted(EVENTS.items())}
    replies, declared_pushes = declared()
    kinds = sorted({s for s in structs.values() if isinstance(s, type)},
                   key=lambda s: s.__name__)
    kinds += [k for k in dict.fromkeys([*replies.values(), *declared_pushes.values()])
              if k not in kinds]
    refs, components = msgspec.json.schema_components(
        kinds, ref_template="#/components/schemas/{name}")
    ref_of = {k: r for k, r in zip(kinds, refs)}  # same-named structs: module-qualified names
    pushes, codes = _scan_sources()
    pushes |= set(declared_pushes)
    schemas = {name: components[name] for name in sorted(components)}
    schemas["ErrorAck"] = {
        "description": "The failure ack, the same for every event.",
        "type": "object", "required": ["ok", "error"], "additionalProperties": False,
        "properties": {"ok": {"const": False}, "error": {"$ref": "#/components/schemas/Error"}}}
    schemas["Error"] = {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "enum": sorted(codes)},
                       "message": {"type": "string"},
                       "retry_after": {"type": "number"}, "details": {}}}
    channels, operations, messages = {}, {}, {}
    acks = {}
    for event, struct in structs.items():
        mid = _id(event)
        payload = ref_of[struct] if isinstance(struct, type) else {"type": ["object", "null"]}
        messages[mid] = {"name": event, "payload": payload}
        channels[mid] = {"address": event,
                         "messages": {mid: {"$ref": f"#/components/messages/{mid}"}}}
        ack = f"{mid}_ack"
        data = ref_of[replies[event]] if event in replies else OPEN
        messages[ack] = {"name": f"{event} ack", "payload": {"oneOf": [
            {"type": "object", "required": ["ok", "data"], "additionalProperties": False,
             "properties": {"ok": {"const": True}, "data": data}},
            {"$ref": "#/components/schemas/ErrorAck"}]}}
        acks[ack] = {"$ref": f"#/components/messages/{ack}"}
        roles = EVENTS[event].roles
        operations[f"{mid}_receive"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{mid}"},
            "summary": f"client -> server `{event}`"
                       + (f" (roles: {', '.join(roles)})" if roles else ""),
            "messages": [{"$ref": f"#/channels/{mid}/messages/{mid}"}],
            "reply": {"channel": {"$ref": "#/channels/ack"},
                      "messages": [{"$ref": f"#/channels/ack/messages/{ack}"}]}}
    channels["ack"] = {"address": None, "description": "The Socket.IO ack of an event.",
                       "messages": acks}
    for event in sorted(pushes):
        mid = _id(event) + "_push"
        payload = ref_of[declared_pushes[event]] if event in declared_pushes else OPEN
        messages[mid] = {"name": event, "payload": payload}
        channels[mid] = {"address": event,
                         "messages": {mid: {"$ref": f"#/components/messages/{mid}"}}}
        params = re.findall(r"\{(\w+)\}", event)
        if params:  # a family of events, e.g. the admin's `announce:<event>`
            channels[mid]["parameters"] = {p: {"description": f"the {p} part of the name"}
                                           for p in params}
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
