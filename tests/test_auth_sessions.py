"""Sessions are devices: a revoked one is refused at connect and cut on every process."""
from __future__ import annotations

import asyncio

import pytest

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


async def test_a_device_signed_out_over_http_drops_its_socket_on_another_process(
        server_procs, settings, make_user):
    from tests.conftest import LiveApp
    from tests.support.auth_api import FAST_AUTH, AuthApi

    (b,) = await server_procs(1)
    here = await LiveApp(settings.with_(extra={"auth": FAST_AUTH})).start()
    api = AuthApi(here.url)
    try:
        phone = await api.sign_up("+201012345678")
        laptop = await api.login("+201012345678", device="laptop")
        bob = await make_user("bob")
        laptop_on_b = await SocketClient(b.url, laptop["access_token"]).connect()
        phone_on_b = await SocketClient(b.url, phone["access_token"]).connect()
        bob_on_b = await bob.connect(b.url)
        await api.ok("DELETE", f"/v1/auth/sessions/{laptop['session_id']}",
                     token=phone["access_token"], expect=204)
        assert (await laptop_on_b.next("auth:session_revoked"))["reason"] == "signed_out"
        assert await _gone(laptop_on_b)
        assert (await phone_on_b.ok("system:ping", {}))["pong"]
        assert (await bob_on_b.ok("system:ping", {}))["pong"]
        for url in (b.url, here.url):
            err = await SocketClient(url, laptop["access_token"]).try_connect()
            assert err["data"]["code"] == "session_revoked"
        await phone_on_b.close()
    finally:
        await api.close()
        await here.stop()


async def test_erasure_removes_credentials_and_keeps_a_pseudonymous_security_log(
        live_app, make_user, db):
    from server.privacy import HOLDERS

    alice = await make_user("alice")
    sock = await alice.connect(live_app.url)
    await db.execute("INSERT INTO auth_audit (event, user_id, ip, user_agent) "
                     "VALUES ('login_success', $1::uuid, '10.0.0.1', 'okhttp')", alice.id)
    holder = HOLDERS["auth"]
    async with db.acquire() as conn:
        exported = await holder.export(conn, alice.id)
        assert [s["label"] for s in exported["sessions"]] == ["test"]
        assert exported["security_log"][0]["ip"] == "10.0.0.1"
        async with conn.transaction():
            await holder.erase(conn, alice.id)
    await holder.after_commit(live_app.state, alice.id)
    assert await _gone(sock)
    row = await db.fetchrow("SELECT event, ip, user_agent FROM auth_audit WHERE user_id = $1",
                            alice.id)
    assert (row["event"], row["ip"], row["user_agent"]) == ("login_success", None, None)
    err = await SocketClient(live_app.url, alice.token).try_connect()
    assert err["data"]["code"] == "session_revoked"


async def test_token_command_opens_an_operator_session(live_app, make_user, settings):
    import os
    import subprocess
    import sys

    from tests.support.auth_api import AuthApi
    from tests.support.servers import ROOT
    from tests.support.stores import settings_env

    mod = await make_user("mod", role="moderator")
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    out = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "token", mod.id],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    api = AuthApi(live_app.url)
    try:
        sessions = (await api.ok("GET", "/v1/auth/sessions", token=out.stdout.strip()))[
            "sessions"]
        op = [s for s in sessions if s["current"]]
        assert [(s["label"], s["method"]) for s in op] == [("operator", "operator")]
        me = await api.ok("GET", "/v1/auth/me", token=out.stdout.strip())
        assert me["role"] == "moderator"
    finally:
        await api.close()
    from handlers.auth.commands import operator_token
    from server.errors import AppError

    with pytest.raises(AppError, match="No user"):
        await operator_token(settings, "00000000-0000-0000-0000-000000000000")


async def test_a_crowd_of_devices_connecting_at_once_gets_in_except_the_signed_out_ones(
        live_app, make_user, db):
    """Connect checks are batched (one look-up for many sockets); a batch mixing live,
    freshly signed-out and never-seen revoked sessions still answers each one right."""
    from handlers.auth.actions import do_revoke_session
    from handlers.auth.audit import Client

    users = [await make_user(f"crowd-{i}") for i in range(24)]
    seen_then_signed_out = users[0:6]
    revoked_unseen = users[6:12]
    live = users[12:]
    for u in seen_then_signed_out + live[:6]:  # these sessions are known to the caches
        await (await u.connect(live_app.url)).close()
    for u in seen_then_signed_out:
        await do_revoke_session(live_app.state, u.id, u.session_id, Client())
    await db.execute("UPDATE auth_sessions SET revoked_at = now() WHERE id = ANY($1::uuid[])",
                     [u.session_id for u in revoked_unseen])

    answers = await asyncio.gather(*(SocketClient(live_app.url, u.token).try_connect()
                                     for u in users))
    by_user = dict(zip((u.id for u in users), answers))
    assert all(by_user[u.id] is None for u in live)
    assert all(by_user[u.id]["data"]["code"] == "session_revoked"
               for u in seen_then_signed_out + revoked_unseen)
