"""Sessions are devices: a revoked one is refused at connect and cut on every process."""
from __future__ import annotations

import asyncio

from handlers.auth.actions import do_revoke_session
from handlers.auth.audit import Client
from tests.support.clients import SocketClient


async def _gone(sock: SocketClient) -> bool:
    for _ in range(100):
        if not sock.sio.connected:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_token_without_a_session_is_refused_at_connect(live_app, make_user, keys):
    alice = await make_user("alice")
    err = await SocketClient(live_app.url, keys.sign(alice.id)).try_connect()
    assert err["data"]["code"] == "session_required"


async def test_revoking_a_session_cuts_its_socket_on_another_process(
        server_procs, live_app, make_user):
    (b,) = await server_procs(1)
    alice, bob = await make_user("alice"), await make_user("bob")
    alice_on_b = await alice.connect(b.url)
    bob_on_b = await bob.connect(b.url)
    await do_revoke_session(live_app.state, alice.id, alice.session_id, Client())
    assert (await alice_on_b.next("auth:session_revoked"))["reason"] == "signed_out"
    assert await _gone(alice_on_b)
    assert bob_on_b.sio.connected and (await bob_on_b.ok("system:ping", {}))["pong"]
    err = await SocketClient(b.url, alice.token).try_connect()
    assert err["data"]["code"] == "session_revoked"
    err = await SocketClient(live_app.url, alice.token).try_connect()
    assert err["data"]["code"] == "session_revoked"
