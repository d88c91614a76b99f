"""Live playback in Chromium with hls.js (tests/browser/flows): a stream that is not public
plays through the signed URLs the server writes into its playlists."""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.support.browser import ROOT, require_browser, run_flow
from tests.support.publisher import WhipPublisher

HLS_JS = ROOT / "web" / "node_modules" / "hls.js" / "dist" / "hls.min.js"


@pytest.fixture(autouse=True)
def live_env(monkeypatch):
    monkeypatch.setenv("LIVE_ICE_HOST_ADDRESSES", "127.0.0.1")  # media stays on loopback
    monkeypatch.setenv("LIVE_LADDER", "360:600,180:250")


async def test_hls_js_plays_a_followers_only_stream_through_signed_urls(
        live_app, make_user):
    require_browser()
    if not HLS_JS.exists():
        pytest.skip("web/node_modules (bash scripts/build_web.sh installs it)")
    creator, fan = await make_user("c"), await make_user("fan")
    await live_app.state.db.execute(
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", fan.id, creator.id)
    sock = await creator.connect(live_app.url)
    made = await sock.ok("live:create", {"title": "sahra", "visibility": "followers"})
    master = f"{live_app.url}/v1/live/{made['stream']['id']}/hls/master.m3u8"
    pub = WhipPublisher(live_app.url, made["whip_url"], made["stream_key"])
    assert await pub.start() == 201
    try:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while (await http.get(f"{master}?token={fan.token}")).status != 200:
                assert time.monotonic() < deadline, "the stream never became playable"
                await asyncio.sleep(0.2)
        facts = await run_flow("live_private_hls", timeout=60, master=f"{master}?token={fan.token}",
                               hls=str(HLS_JS))
        req = facts["events"]["requests"][0]
        assert req["media"] >= 5 and req["signed"] == req["media"] and req["token"] == 0
    finally:
        await pub.stop()
