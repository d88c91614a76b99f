"""Live streams across real server processes: one viewer count, clean end on restart."""
from __future__ import annotations

import asyncio
import re
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


def _decode_all(url: str) -> int:
    import av

    n = 0
    with av.open(url, options={"allowed_extensions": "ALL"}, timeout=10) as c:
        for _ in c.decode(video=0):
            n += 1
    return n


async def _text(url: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            return await r.text() if r.status == 200 else ""


async def test_a_publisher_that_drops_resumes_on_another_process_into_the_same_playlist(
        server_procs, make_user):
    configure_ice_host_addresses("127.0.0.1")
    a, b = await server_procs(2, **ENV, LIVE_RECONNECT_GRACE="20", LIVE_MEDIA_TIMEOUT="1.5")
    creator = await make_user("creator")
    cs = await creator.connect(b.url)
    made = await cs.ok("live:create", {"title": "rag3een"})
    sid = made["stream"]["id"]
    await cs.ok("live:join", {"stream_id": sid})
    index = f"{b.url}/v1/live/{sid}/hls/360p/index.m3u8"

    first = WhipPublisher(a.url, made["whip_url"], made["stream_key"])
    assert await first.start() == 201
    deadline = time.monotonic() + 20
    while "#EXTINF" not in (text := await _text(index)) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # a few more segments from process a
    await first.stop(hang_up=False)  # the network drops: no DELETE
    st = await cs.next("live:state", timeout=20)
    while st["state"] != "reconnecting":
        st = await cs.next("live:state", timeout=20)

    again = WhipPublisher(b.url, made["whip_url"], made["stream_key"])  # lands on b
    assert await again.start() == 201
    st = await cs.next("live:state", timeout=20)
    while st["state"] != "live":
        st = await cs.next("live:state", timeout=20)
    assert st["resumed"] is True and st["playable"] is True
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = await _text(index)
            after = text.split("#EXT-X-DISCONTINUITY")[1] if "#EXT-X-DISCONTINUITY" in text \
                else ""
            if "#EXTINF" in after:
                break
            await asyncio.sleep(0.3)
        assert "#EXTINF" in after, text  # b's segments continue a's playlist
        assert '#EXT-X-MAP:URI="init1.mp4"' in after  # with b's own init segment
        seqs = [int(m) for m in re.findall(r"^s(\d+)\.m4s$", text, re.M)]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, no reuse
        # the key holder publishing again through the other process takes over from b at
        # once (b hears it and closes its session)
        third = WhipPublisher(a.url, made["whip_url"], made["stream_key"])
        assert await third.start() == 201
        st = await cs.next("live:state", timeout=20)
        assert (st["state"], st["reason"]) == ("reconnecting", "replaced")
        assert await again.stop() == 404  # its session was replaced
        await asyncio.sleep(1.0)
    finally:
        assert await third.stop() == 200  # DELETE, hosted on a now
    st = await cs.next("live:state", timeout=20)
    while st["state"] != "ended":
        st = await cs.next("live:state", timeout=20)
    assert st["reason"] == "publisher_hung_up"
    vod = await _text(f"{a.url}/v1/live/{sid}/hls/360p/vod.m3u8")
    assert vod.count("#EXT-X-DISCONTINUITY") == 2 and vod.rstrip().endswith("#EXT-X-ENDLIST")
    before, after = vod.split("#EXT-X-DISCONTINUITY", 1)
    seconds_before = sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+),", before))
    assert re.findall(r"#EXTINF", after)
    # the recording plays through the reconnect: frames from both publishers decode
    frames = await asyncio.to_thread(_decode_all, f"{a.url}/v1/live/{sid}/hls/360p/vod.m3u8")
    assert frames > seconds_before * 30 + 5


async def test_ending_a_stream_from_another_process_leaves_one_clean_recording(
        server_procs, make_user, settings):
    """The publisher's DELETE (or the creator's live:end) may reach a process that does not
    host the ingest: the stream ends, and the host closes the recording it is writing."""
    import aiohttp

    configure_ice_host_addresses("127.0.0.1")
    a, b = await server_procs(2, **ENV)
    creator = await make_user("creator")
    cs = await creator.connect(b.url)
    made = await cs.ok("live:create", {"title": "akher el lail"})
    sid = made["stream"]["id"]
    await cs.ok("live:join", {"stream_id": sid})
    pub = WhipPublisher(a.url, made["whip_url"], made["stream_key"])
    assert await pub.start() == 201
    try:
        st = await cs.next("live:state", timeout=20)
        while not st.get("playable"):
            st = await cs.next("live:state", timeout=20)
        await asyncio.sleep(1.5)
        async with aiohttp.ClientSession() as http:
            async with http.delete(b.url + pub.location,
                                   headers={"Authorization": f"Bearer {made['stream_key']}"}
                                   ) as r:
                assert r.status == 200
        st = await cs.next("live:state", timeout=20)
        while st["state"] != "ended":
            st = await cs.next("live:state", timeout=20)
        assert st["reason"] == "publisher_hung_up"
        assert st["vod_url"] == f"/v1/live/{sid}/hls/vod.m3u8"
        vod = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            vod = await _text(f"{b.url}/v1/live/{sid}/hls/360p/vod.m3u8")
            if "#EXT-X-ENDLIST" in vod and await _text(f"{b.url}/v1/live/{sid}/hls/vod.m3u8"):
                break
            await asyncio.sleep(0.3)
        assert vod.count("#EXT-X-ENDLIST") == 1 and vod.rstrip().endswith("#EXT-X-ENDLIST")
        live = (settings.media_root / "live" / sid / "360p" / "index.m3u8").read_text()
        assert live.rstrip().endswith("#EXT-X-ENDLIST")
    finally:
        await pub.stop(hang_up=False)
