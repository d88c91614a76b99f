"""Operational edges: /metrics is not for everyone, announcements stay in their namespace,
a 405 names its methods, and the loop-stall guard both measures and fails."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from server.sockets import EVENTS, on
from tests.conftest import LiveApp
from tests.support.servers import free_port


async def _get(url: str, **headers) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers=headers) as r:
            return r.status, await r.text()


async def test_metrics_need_the_token_when_one_is_configured(settings):
    app = await LiveApp(settings.with_(metrics_token="s3cret-scrape")).start()
    try:
        assert (await _get(app.url + "/metrics"))[0] == 401
        assert (await _get(app.url + "/metrics", Authorization="Bearer wrong"))[0] == 401
        assert (await _get(app.url + "/metrics", Authorization="Bearer ü"))[0] == 401
        status, text = await _get(app.url + "/metrics", Authorization="Bearer s3cret-scrape")
        assert status == 200 and "sawt_event_loop_lag_seconds_bucket" in text
    finally:
        await app.stop()


async def test_metrics_on_their_own_listener_and_refused_in_production_without_either(
        settings):
    port = free_port()
    app = await LiveApp(settings.with_(metrics_port=port)).start()
    try:
        assert (await _get(app.url + "/metrics"))[0] == 404
        status, text = await _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "sawt_connected_sockets" in text
    finally:
        await app.stop()
    # production with neither: refused (the handler alone; a production app needs real keys)
    from aiohttp.test_utils import make_mocked_request

    from server.errors import AppError
    from server.state import STATE
    from server.web import metrics

    request = make_mocked_request("GET", "/metrics", app=app.app)
    app.app[STATE].settings = settings.with_(env="production")
    with pytest.raises(AppError) as refused:
        await metrics(request)
    assert refused.value.status == 403


async def test_announcements_only_in_their_namespace(live_app, make_user):
    admin, user = await make_user("admin", role="admin"), await make_user("u")
    a, u = await admin.connect(live_app.url), await user.connect(live_app.url)
    for name in ("chat:message", "../x", "Shutdown", "", "a" * 40, "server:shutdown"):
        ack = await a.call("system:announce", {"event": name, "data": {}, "user_id": user.id})
        assert ack["error"]["code"] == "invalid_payload", name
    await a.ok("system:announce", {"event": "maintenance", "data": {"at": "02:00"},
                                   "user_id": user.id})
    assert (await u.next("announce:maintenance")) == {"at": "02:00"}


async def test_delete_on_the_passkey_login_route_is_405_with_allow(live_app):
    async with aiohttp.ClientSession() as http:
        async with http.delete(live_app.url + "/v1/auth/passkeys/login") as r:
            assert r.status == 405 and r.headers["Allow"] == "POST"
            assert r.content_type == "application/problem+json"


async def _lag_samples_above_200ms(url: str) -> float:
    """How many loop-lag samples on /metrics were over 0.2 s."""
    _, text = await _get(url + "/metrics")
    value = {ln.split()[0]: float(ln.split()[-1]) for ln in text.splitlines()
             if ln.startswith("sawt_event_loop_lag_seconds_")}
    return (value["sawt_event_loop_lag_seconds_count"]
            - value['sawt_event_loop_lag_seconds_bucket{le="0.2"}'])


async def test_a_callback_that_holds_the_loop_fails_the_test_and_shows_on_metrics(
        settings, make_user):
    @on("test:block_loop")
    async def block(ctx, data):
        time.sleep(0.35)  # the bug the guard is for: blocking work on the loop
        return {}

    app = await LiveApp(settings.with_(loop_stall_seconds=0.2)).start()
    try:
        user = await make_user("u")
        sock = await user.connect(app.url)
        await sock.ok("test:block_loop", {})
        await sock.ok("system:ping", {})
        assert await _lag_samples_above_200ms(app.url) >= 1
        await sock.close()
    finally:
        EVENTS.pop("test:block_loop", None)
        with pytest.raises(pytest.fail.Exception, match="event loop was held"):
            await app.stop()


async def test_many_short_callbacks_in_a_row_show_as_lag_but_are_not_a_stall(
        settings, make_user):
    # before: 300 tasks of 2 ms each (a thousand sockets dropping at once looks the same)
    # were reported as one stall, and failed tests on a slow CI machine
    @on("test:many_short")
    async def many(ctx, data):
        async def short():
            time.sleep(0.002)

        await asyncio.gather(*(short() for _ in range(300)))
        return {}

    app = await LiveApp(settings.with_(loop_stall_seconds=0.2)).start()
    try:
        sock = await (await make_user("u")).connect(app.url)
        await sock.ok("test:many_short", {})
        await sock.ok("system:ping", {})
        assert await _lag_samples_above_200ms(app.url) >= 1  # the lag is seen
        await sock.close()
    finally:
        EVENTS.pop("test:many_short", None)
        await app.stop()  # and no stall is reported


async def test_an_event_that_fails_is_logged_with_its_socket_event_name(live_app, make_user,
                                                                          capfd):
    # before: structlog's own `event` key (the log message) overwrote the bound event name
    @on("test:explode")
    async def explode(ctx, data):
        raise RuntimeError("boom")

    try:
        sock = await (await make_user("u")).connect(live_app.url)
        ack = await sock.call("test:explode", {})
        assert ack["error"]["code"] == "internal"
    finally:
        EVENTS.pop("test:explode", None)
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()
             if line.startswith("{") and '"event_failed"' in line]
    assert lines and lines[-1]["socket_event"] == "test:explode"
    assert lines[-1]["event"] == "event_failed" and "boom" in lines[-1]["exception"]


async def test_a_shutdown_step_that_never_returns_does_not_keep_the_app_from_stopping(
        settings, monkeypatch):
    """A domain whose shutdown hangs (here it waits on an event nobody sets, and shrugs off
    its first cancellation) is given SHUTDOWN_STEP_SECONDS and left behind: the other domains,
    the background tasks and the stores still stop, and so does the app."""
    import asyncio

    import handlers.recommend.lifecycle as recommend_lifecycle
    import server.app as app_module
    from tests.conftest import LiveApp

    async def hangs(state):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.Event().wait()  # shrugs off the first cancellation

    monkeypatch.setattr(app_module, "SHUTDOWN_STEP_SECONDS", 0.5, raising=False)
    monkeypatch.setattr(recommend_lifecycle, "shutdown", hangs)
    app = await LiveApp(settings).start()
    state = app.state
    await asyncio.wait_for(app.stop(), 20)
    assert not state.background  # the loops after the hung step were still cancelled
    assert state.db._closed  # and the pool closed
