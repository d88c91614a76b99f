"""A revocation nobody heard still cuts the device: processes re-check their sockets' sessions
against PostgreSQL after every gap in their revocation subscription and periodically."""
from __future__ import annotations

import asyncio

from tests.support.clients import SocketClient


async def _gone(sock: SocketClient, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if not sock.sio.connected:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_revocation_published_while_the_subscription_was_down_still_cuts(
        live_app, make_user, db):
    alice, bob = await make_user("alice"), await make_user("bob")
    alice_sock, bob_sock = await alice.connect(live_app.url), await bob.connect(live_app.url)
    pubsub = live_app.state.extras["auth_revocations"].pubsub
    # the revocation commits while this process is not listening (its publication is lost)
    await pubsub.connection.disconnect()
    await db.execute("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1::uuid",
                     alice.session_id)
    # redis-py reconnects and resubscribes by itself on the next read: the gap is swept
    assert (await alice_sock.next("auth:session_revoked", timeout=10))["reason"] == "revoked"
    assert await _gone(alice_sock, 5)
    assert (await bob_sock.ok("system:ping", {}))["pong"]
    await bob_sock.close()


async def test_a_revocation_never_published_cuts_within_the_sweep_period(
        server_procs, make_user, db):
    (srv,) = await server_procs(1, REVOCATION_SWEEP_SECONDS="1")
    alice, bob = await make_user("alice"), await make_user("bob")
    alice_sock, bob_sock = await alice.connect(srv.url), await bob.connect(srv.url)
    # as if the revoking process died between its commit and its publish
    await db.execute("UPDATE auth_sessions SET revoked_at = now() WHERE id = $1::uuid",
                     alice.session_id)
    assert await _gone(alice_sock, 6)
    assert (await bob_sock.ok("system:ping", {}))["pong"]
    err = await SocketClient(srv.url, alice.token).try_connect()
    assert err["data"]["code"] == "session_revoked"
    await bob_sock.close()
