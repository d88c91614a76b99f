"""http/asyncapi.yaml is the socket contract: generated from the event registry and the msgspec
payload structs (scripts/gen_asyncapi.py), kept in step with the code, and valid AsyncAPI 3.0
by the official parser (@asyncapi/parser, installed in tests/js by scripts/test.sh)."""
from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
from pathlib import Path

import msgspec
import pytest
import yaml

from server.payloads import decode

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "tests" / "js"


class Wave(msgspec.Struct, forbid_unknown_fields=True):
    to: str


async def on_wave(ctx, data):
    return decode(Wave, data)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_asyncapi",
                                                  ROOT / "scripts" / "gen_asyncapi.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_file_is_what_the_registry_generates():
    gen = _generator()
    assert (ROOT / "http" / "asyncapi.yaml").read_text() == gen.render(), \
        "http/asyncapi.yaml is stale: run python scripts/gen_asyncapi.py"


def test_a_new_event_changes_the_contract():
    """The check above fails when an event is added without regenerating the file."""
    from server.sockets import EVENTS, on

    gen = _generator()
    on("demo:wave")(on_wave)
    try:
        doc = yaml.safe_load(gen.render())
    finally:
        EVENTS.pop("demo:wave")
    assert doc["channels"]["demo_wave"]["address"] == "demo:wave"
    assert doc["components"]["messages"]["demo_wave"]["payload"] == {
        "$ref": "#/components/schemas/Wave"}
    assert doc["components"]["schemas"]["Wave"]["required"] == ["to"]
    assert (ROOT / "http" / "asyncapi.yaml").read_text() != yaml.safe_dump(doc)


def test_contract_covers_events_pushes_and_error_codes():
    doc = yaml.safe_load((ROOT / "http" / "asyncapi.yaml").read_text())
    send = doc["components"]["messages"]["chat_send"]["payload"]["$ref"].rsplit("/", 1)[1]
    assert "client_id" in doc["components"]["schemas"][send]["properties"]
    assert doc["operations"]["chat_send_receive"]["reply"]
    assert "chat_message_push_send" in doc["operations"]
    assert "media_ready_push_send" in doc["operations"]
    codes = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert {"invalid_payload", "conversation_not_found", "creator_not_found"} <= set(codes)


@pytest.mark.timeout(420)
async def test_the_official_parser_finds_no_errors():
    """~35 s of CPU since acks and pushes are typed (Spectral resolves every $ref); minutes
    of wall time on a loaded CI box."""
    if shutil.which("node") is None or not (JS / "node_modules" / "@asyncapi").exists():
        pytest.fail("node and tests/js/node_modules are needed (bash scripts/test.sh)")
    proc = await asyncio.create_subprocess_exec(
        "node", "validate_asyncapi.js", str(ROOT / "http" / "asyncapi.yaml"), cwd=JS,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 400)
    diagnostics = json.loads(out)
    assert proc.returncode == 0, diagnostics or err.decode()
    assert [d for d in diagnostics if d["severity"] == 0] == []


def test_every_ack_and_push_has_a_declared_payload():
    """Each event's ack `data` and each push's payload has a type in its domain's
    contract.py (handlers/__init__.py), so the document describes what clients receive, and
    nothing is declared for an event that does not exist."""
    from server.domains import discover
    from server.sockets import EVENTS

    gen = _generator()
    discover()
    replies, pushes = gen.declared()
    emitted, _ = gen._scan_sources()
    assert sorted(set(EVENTS) - set(replies)) == [], "events without a REPLIES type"
    assert sorted(set(replies) - set(EVENTS)) == [], "REPLIES for events that do not exist"
    assert sorted(emitted - set(pushes)) == [], "pushes without a PUSHES type"
    doc = yaml.safe_load((ROOT / "http" / "asyncapi.yaml").read_text())
    open_payloads = [mid for mid, m in doc["components"]["messages"].items()
                     if m["payload"] == gen.OPEN
                     or m["payload"].get("oneOf", [{}])[0].get("properties", {}).get("data")
                     == gen.OPEN]
    assert open_payloads == []


def test_acks_and_pushes_are_typed_in_the_document():
    """What a client generator reads: `chat:send`'s ack carries the message, `chat:message`
    pushes one, `wallet:balance` pushes balances."""
    doc = yaml.safe_load((ROOT / "http" / "asyncapi.yaml").read_text())
    schemas, messages = doc["components"]["schemas"], doc["components"]["messages"]

    def schema(ref: dict) -> dict:
        return schemas[ref["$ref"].rsplit("/", 1)[1]]

    ok_branch = messages["chat_send_ack"]["payload"]["oneOf"][0]
    sent = schema(ok_branch["properties"]["data"])
    assert {"id", "conversation_id", "seq", "text", "created_at"} <= set(sent["required"])
    assert sent["additionalProperties"] is False
    assert messages["chat_send_ack"]["payload"]["oneOf"][1] == {
        "$ref": "#/components/schemas/ErrorAck"}
    pushed = schema(messages["chat_message_push"]["payload"])
    assert pushed["properties"]["seq"] == {"type": "integer"}
    balance = schema(messages["wallet_balance_push"]["payload"])
    assert balance["required"] == ["as_of"] and "wallet" in balance["properties"]
    assert "announce:{event}" in {c["address"] for c in doc["channels"].values()}
