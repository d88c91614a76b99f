"""Live streams across real server processes: one viewer count, clean end on restart."""
from __future__ import annotations

import asyncio
import time

import asyncpg

from media.whip import configure_ice_host_addresses
from tests.support.publisher import WhipPublisher

ENV = {"LIVE_VIEWER_TICK": "0.3", "LIVE_ICE_HOST_ADDRESSES": "127.0.0.1",
       "LIVE_LADDER": "360:600,180:250"}


async def _count(sock, want: int, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        try:
            got = (await sock.next("live:viewers", timeout=deadline - time.monotonic()))["count"]
        except asyncio.TimeoutError:
            break
        if got == want:
            return got
    return got


async def test_viewers_on_two_processes_see_one_count_and_a_restart_ends_the_stream(
        server_procs, make_user, settings):
    configure_ice_host_addresses("127.0.0.1")
    a, b = await server_procs(2, **ENV)
    creator, mona, karim = [await make_user(n) for n in ("creator", "mona", "karim")]
    cs = await creator.connect(a.url)
    made = await cs.ok("live:create", {"title": "min Masr"})
    sid = made["stream"]["id"]
    ms = await mona.connect(a.url)
    ks = await karim.connect(b.url)
    await ms.ok("live:join", {"stream_id": sid})
    await ks.ok("live:join", {"stream_id": sid})
    # the same user on both processes counts once
    mona_b = await mona.connect(b.url)
    await mona_b.ok("live:join", {"stream_id": sid})
    assert await _count(ms, 2) == 2
    assert await _count(ks, 2) == 2
    await ks.ok("live:leave", {"stream_id": sid})
    assert await _count(ms, 1) == 1
    assert await _count(mona_b, 1) == 1

    pub = WhipPublisher(a.url, made["whip_url"], made["stream_key"])
    assert await pub.start() == 201
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            st = await mona_b.next("live:state", timeout=15)
            if st.get("playable"):
                break
        assert st["playable"] is True
        a.terminate()  # SIGTERM: the process ends its streams before it exits
        ended = await mona_b.next("live:state", timeout=20)
        while ended["state"] != "ended":
            ended = await mona_b.next("live:state", timeout=20)
        assert ended["reason"] == "server_restart"
        assert ended["vod_url"] == f"/v1/live/{sid}/hls/vod.m3u8"
    finally:
        await pub.stop(hang_up=False)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        row = await conn.fetchrow("SELECT state, vod_path FROM live_streams WHERE id = $1", sid)
    finally:
        await conn.close()
    assert row["state"] == "ended"
    vod = settings.media_root / "live" / sid / "360p" / "vod.m3u8"
    assert vod.read_text().rstrip().endswith("#EXT-X-ENDLIST")
