"""A store that is out answers `unavailable` (never `internal`) and rate limits keep holding.

Redis here is a port nobody listens on (the chaos suite, tests/test_chaos.py, stops and
restarts real ones under load)."""
from __future__ import annotations

import time

import aiohttp
import pytest

from rooms.ratelimit import check_rate
from server.errors import RateLimited
from server.metrics import Metrics
from server.outages import HEALTH
from server.state import AppState
from server.tokens import TokenKeys
from tests.conftest import LiveApp
from tests.support.clients import SocketClient

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
async def no_redis_app(settings):
    app = await LiveApp(settings.with_(redis_url=DEAD_REDIS)).start()
    yield app
    await app.stop()
    await HEALTH.stop()


async def test_per_user_limits_count_in_the_process_while_redis_is_out(settings):
    state = AppState(settings=settings.with_(redis_url=DEAD_REDIS), keys=TokenKeys(settings),
                     metrics=Metrics())
    try:
        for _ in range(3):
            await check_rate(state, "test:out", "u1", "3/minute")  # counted here, allowed
        with pytest.raises(RateLimited) as over:
            await check_rate(state, "test:out", "u1", "3/minute")  # the limit still holds
        assert over.value.retry_after > 0
        await check_rate(state, "test:out", "u2", "3/minute")  # per user, as in Redis
    finally:
        await HEALTH.stop()


async def test_connect_and_routes_needing_redis_answer_unavailable_at_once(
        no_redis_app, make_user):
    alice = await make_user("alice")
    client = SocketClient(no_redis_app.url, alice.token)
    started = time.monotonic()
    err = await client.try_connect(timeout=10)
    took = time.monotonic() - started
    assert err is not None and err["data"]["code"] == "unavailable", err  # CONNECT_ERROR
    assert err["data"]["retry_after"] > 0
    assert took < 5, took  # answered, not left to the client's timeout (was 10 s)
    async with aiohttp.ClientSession() as http:
        async with http.get(no_redis_app.url + "/v1/auth/sessions",
                            headers={"Authorization": f"Bearer {alice.token}"}) as r:
            body = await r.json(content_type=None)
            assert r.status == 503 and body["code"] == "unavailable", body
            assert int(r.headers["Retry-After"]) >= 1
