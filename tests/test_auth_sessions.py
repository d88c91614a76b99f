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


async def test_a_device_signed_out_over_http_drops_its_socket_on_another_process(
        server_procs, settings):
    from tests.support.auth_api import FAST_AUTH_ENV, AuthApi

    a, b = await server_procs(2, **FAST_AUTH_ENV)
    api_a, api_b = AuthApi(a.url), AuthApi(b.url)
    try:
        phone = await api_a.sign_up("+201012345678")
        laptop = await api_b.login("+201012345678", device="laptop")
        laptop_sock = await SocketClient(b.url, laptop["access_token"]).connect()
        phone_sock = await SocketClient(a.url, phone["access_token"]).connect()
        await api_a.ok("DELETE", f"/v1/auth/sessions/{laptop['session_id']}",
                       token=phone["access_token"], expect=204)
        assert await _gone(laptop_sock)
        assert (await phone_sock.ok("system:ping", {}))["pong"]
        await phone_sock.close()
    finally:
        await api_a.close()
        await api_b.close()


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
    missing = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "token",
                         "00000000-0000-0000-0000-000000000000"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "user_not_found" in missing.stderr
