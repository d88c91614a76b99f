"""The core: connect auth, dispatch errors, health, metrics, migrations (in-process server)."""
from __future__ import annotations

import time

import aiohttp
import jwt
import pytest

from server.migrations import migrate_dsn
from tests.support.clients import SocketClient


async def test_connect_with_valid_token_joins_and_answers(live_app, make_user):
    alice = await make_user("alice")
    sock = await alice.connect(live_app.url)
    pong = await sock.ok("system:ping", {})
    assert pong["user_id"] == alice.id


@pytest.mark.parametrize("case", ["missing", "expired", "forged", "alg_none", "garbage"])
async def test_bad_tokens_are_refused_at_connect_with_a_reason(live_app, make_user, keys, case):
    alice = await make_user("alice")
    now = time.time()
    token = {
        "missing": None,
        "expired": keys.sign(alice.id, now=now - 3600, ttl=60),
        "forged": jwt.encode({"sub": alice.id, "exp": int(now) + 600, "iat": int(now),
                              "jti": "x", "iss": "sawt"}, "another-secret-of-32-bytes-at-least!!",
                             algorithm="HS256"),
        "alg_none": jwt.encode({"sub": alice.id, "exp": int(now) + 600, "iat": int(now),
                                "jti": "x", "iss": "sawt"}, None, algorithm="none"),
        "garbage": "not.a.jwt",
    }[case]
    client = SocketClient(live_app.url, token)
    err = await client.try_connect()
    assert err is not None, "connection should have been refused"
    assert err["data"]["code"] in ("unauthorized", "token_expired")
    if case == "expired":
        assert err["data"]["code"] == "token_expired"


async def test_unknown_event_and_malformed_payloads_get_error_acks(live_app, make_user):
    alice = await make_user("alice")
    sock = await alice.connect(live_app.url)
    ack = await sock.call("no:such:event", {})
    assert ack == {"ok": False, "error": {"code": "unknown_event",
                                          "message": "Unknown event 'no:such:event'"}}
    ack = await sock.call("system:ping", "a string, not an object")
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload"
    ack = await sock.call("system:ping", {"pad": "x" * 70_000})
    assert ack["ok"] is False and ack["error"]["code"] == "payload_too_large"
    # wrong field type in a typed payload
    ack = await sock.call("system:announce", {"event": 5})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"  # role checked first
    # still alive and serving after all of that
    assert (await sock.ok("system:ping", {}))["pong"] is True


async def test_typed_payload_errors_name_the_field(live_app, make_user):
    admin = await make_user("root", role="admin")
    sock = await admin.connect(live_app.url)
    ack = await sock.call("system:announce", {"event": 5})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid_payload"
    assert "event" in ack["error"]["message"]


async def test_announce_reaches_only_the_target_user(live_app, make_user):
    admin = await make_user("root", role="admin")
    bob, carol = await make_user("bob"), await make_user("carol")
    a = await admin.connect(live_app.url)
    b1, b2 = await bob.connect(live_app.url), await bob.connect(live_app.url)
    c = await carol.connect(live_app.url)
    await a.ok("system:announce", {"event": "notice", "data": {"t": "salam"},
                                    "user_id": bob.id})
    assert await b1.next("announce:notice") == {"t": "salam"}
    assert await b2.next("announce:notice") == {"t": "salam"}
    assert await c.nothing("announce:notice", 0.3)


async def test_health_ready_and_metrics(live_app, make_user):
    alice = await make_user()
    sock = await alice.connect(live_app.url)
    await sock.ok("system:ping", {})
    async with aiohttp.ClientSession() as http:
        async with http.get(live_app.url + "/healthz") as r:
            assert r.status == 200
        async with http.get(live_app.url + "/readyz") as r:
            assert r.status == 200 and (await r.json())["checks"] == {
                "postgres": "ok", "redis": "ok", "subscription": "ok"}
        async with http.get(live_app.url + "/metrics") as r:
            text = await r.text()
    assert "sawt_connected_sockets 1.0" in text
    assert 'sawt_socket_events_total{event="system:ping"} 1.0' in text
    assert "sawt_socket_event_seconds_bucket" in text


async def test_unknown_route_is_problem_json(live_app):
    async with aiohttp.ClientSession() as http:
        async with http.get(live_app.url + "/v1/nope") as r:
            assert r.status == 404
            assert r.headers["Content-Type"].startswith("application/problem+json")
            body = await r.json(content_type=None)
            assert body["code"] == "not_found" and body["status"] == 404


async def test_migrations_apply_twice_and_concurrently(settings):
    import asyncio

    first, second = await asyncio.gather(
        migrate_dsn(settings.database_url, settings.database_schema),
        migrate_dsn(settings.database_url, settings.database_schema))
    # each migration applied once, by one of the two (they take turns per migration)
    from server.migrations import discover
    assert sorted(first + second) == [name for _, name, _ in discover()]
    assert await migrate_dsn(settings.database_url, settings.database_schema) == []


async def test_readyz_is_503_naming_redis_when_redis_is_unreachable(settings, tmp_path):
    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(redis_url="redis://127.0.0.1:1/0")).start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(app.url + "/readyz") as r:
                assert r.status == 503
                body = await r.json(content_type=None)
        assert body["failed"] == ["redis", "subscription"]
        assert body["checks"]["postgres"] == "ok"
    finally:
        await app.stop()
