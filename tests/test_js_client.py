"""Interop with the official JavaScript Socket.IO client (socket.io-client, run with node)."""
from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def _node_ready() -> None:
    if shutil.which("node") is None:
        pytest.fail("node is required for the JS interop tests (the README's test command "
                    "installs socket.io-client with npm)")
    if not (JS / "node_modules" / "socket.io-client").exists():
        pytest.fail("tests/js/node_modules missing: run `cd tests/js && npm ci`")


async def _run_node(*args: str) -> asyncio.subprocess.Process:
    _node_ready()
    return await asyncio.create_subprocess_exec(
        "node", str(JS / "receive_event.js"), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=JS)


async def _lines(proc) -> list[dict]:
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def test_js_client_connects_with_a_token_and_receives_an_event(live_app, make_user):
    admin = await make_user("admin", role="admin")
    nour = await make_user("nour")
    proc = await _run_node(live_app.url, nour.token, "announce:welcome")
    admin_sock = await admin.connect(live_app.url)
    # wait until node's socket is in: its user room then has a member
    for _ in range(100):
        if live_app.state.sio.manager.rooms.get("/", {}).get(f"user:{nour.id}"):
            break
        await asyncio.sleep(0.05)
    await admin_sock.ok("system:announce", {"event": "welcome", "data": {"msg": "ahlan ya Nour"},
                                            "user_id": nour.id})
    lines = await _lines(proc)
    assert lines[0]["type"] == "connected"
    acks = [x["ack"] for x in lines if x["type"] == "ack"]
    assert acks[0]["ok"] is True and acks[0]["data"]["user_id"] == nour.id
    events = [x for x in lines if x["type"] == "event"]
    assert {"type": "event", "event": "announce:welcome", "data": {"msg": "ahlan ya Nour"}} in events


async def test_js_client_sees_why_a_bad_token_is_refused(live_app):
    proc = await _run_node(live_app.url, "forged.token.value", "never")
    lines = await _lines(proc)
    assert lines[0]["type"] == "connect_error"
    assert lines[0]["data"]["code"] == "unauthorized"
