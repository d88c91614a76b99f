"""Interop: the official JavaScript client (socket.io-client on node) sends and receives a DM."""
from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


@pytest.mark.skipif(shutil.which("node") is None
                    or not (JS / "node_modules" / "socket.io-client").exists(),
                    reason="needs node and `cd tests/js && npm ci`")
async def test_official_js_client_sends_and_receives_a_dm(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    b = await bob.connect(live_app.url)
    node = await asyncio.create_subprocess_exec(
        "node", "chat_dm.js", live_app.url, alice.token, bob.id, cwd=JS,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        got = await b.next("chat:message", timeout=20)
        assert got["text"] == "ahlan men node" and got["sender_id"] == alice.id
        await b.ok("chat:send", {"conversation_id": got["conversation_id"],
                                 "client_id": "py-1", "text": "ahlan bik"})
        stdout, stderr = await asyncio.wait_for(node.communicate(), 25)
    finally:
        if node.returncode is None:
            node.kill()
            await node.wait()
    lines = [json.loads(x) for x in stdout.decode().splitlines() if x.strip()]
    assert node.returncode == 0, (lines, stderr.decode())
    ack = next(x["ack"] for x in lines if x["event"] == "ack")
    assert ack["ok"] is True and ack["data"]["seq"] == 1
    received = [x["message"]["text"] for x in lines if x["event"] == "chat:message"]
    assert received[-1] == "ahlan bik"
