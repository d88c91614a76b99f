"""The live room: viewers, moderated chat, pins, removals, reactions, tips, visibility."""
from __future__ import annotations

import asyncio

import pytest

from handlers.live.actions import do_show_tip_in_room
from handlers.moderation import gate


@pytest.fixture(autouse=True)
def live_env(monkeypatch):
    monkeypatch.setenv("LIVE_VIEWER_TICK", "0.3")


async def _until(sock, event: str, pred, timeout: float = 10):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        data = await sock.next(event, timeout=max(0.1, deadline - loop.time()))
        if pred(data):
            return data


async def test_chat_pin_remove_and_tips_in_the_room(live_app, make_user, monkeypatch):
    async def no_spam_links(state, text, user_id, context):
        if "bit.ly/" in text:
            return gate.Decision("block", layer="test", reason="link")
        return None

    monkeypatch.setattr(gate, "RULES", [no_spam_links])
    creator, mona, karim = [await make_user(n) for n in ("creator", "mona", "karim")]
    cs = await creator.connect(live_app.url)
    sid = (await cs.ok("live:create", {"title": "ahlan"}))["stream"]["id"]
    ms, ks = await mona.connect(live_app.url), await karim.connect(live_app.url)
    await cs.ok("live:join", {"stream_id": sid})
    joined = await ms.ok("live:join", {"stream_id": sid})
    assert joined["stream"]["title"] == "ahlan"
    await ks.ok("live:join", {"stream_id": sid})

    await _until(cs, "live:viewers", lambda d: d["count"] == 3)

    sent = await ms.ok("live:chat", {"stream_id": sid, "text": "ezayak ya basha"})
    for s in (cs, ms, ks):
        msg = await s.next("live:message")
        assert (msg["text"], msg["display_name"]) == ("ezayak ya basha", "mona")
    # An insult is held by the moderation layers: stored, seen by nobody but its author.
    held = await ks.ok("live:chat", {"stream_id": sid, "text": "enta ya 7mar"})
    assert held["status"] == "held"
    ack = await ks.call("live:chat", {"stream_id": sid, "text": "shoof bit.ly/x"})
    assert ack["error"]["code"] == "message_blocked"
    assert await ms.nothing("live:message", 0.3)

    # Only the creator pins; everyone sees the pin.
    assert (await ks.call("live:pin", {"stream_id": sid, "message_id": sent["id"]}))[
        "error"]["code"] == "not_stream_owner"
    await cs.ok("live:pin", {"stream_id": sid, "message_id": sent["id"]})
    for s in (ms, ks):
        assert (await s.next("live:pinned"))["message"]["text"] == "ezayak ya basha"

    # Reactions are aggregated per tick, not sent one by one.
    for _ in range(3):
        await ms.ok("live:react", {"stream_id": sid, "reaction": "heart"})
    # (a tick may fall between the three on a busy machine: then two batches add up)
    batches = [await _until(ks, "live:reactions", lambda d: True)]
    while sum(b["counts"].get("heart", 0) for b in batches) < 3 and len(batches) < 3:
        batches.append(await _until(ks, "live:reactions", lambda d: True))
    assert sum(b["counts"].get("heart", 0) for b in batches) == 3 and len(batches) <= 2

    # The wallet domain's hook shows a tip to the room.
    await do_show_tip_in_room(live_app.state, sid, {"from_user_id": karim.id,
                                                   "amount_piastres": 5000,
                                                   "message": "tal3a helwa"})
    tip = await ms.next("live:tip")
    assert (tip["amount_piastres"], tip["message"]) == (5000, "tal3a helwa")

    # The creator removes karim: told, out of the room, cannot chat or come back.
    await cs.ok("live:remove", {"stream_id": sid, "user_id": karim.id})
    assert (await ks.next("live:removed"))["stream_id"] == sid
    ack = await ks.call("live:chat", {"stream_id": sid, "text": "tab"})
    assert ack["ok"] is False
    assert (await ks.call("live:join", {"stream_id": sid}))["error"]["code"] == \
        "removed_from_stream"
    await ms.ok("live:chat", {"stream_id": sid, "text": "lessa hena"})
    assert (await cs.next("live:message"))["text"] == "lessa hena"
    assert await ks.nothing("live:message", 0.4)
    await _until(cs, "live:viewers", lambda d: d["count"] == 2)

    # Ending the stream reaches the room.
    await cs.ok("live:end", {"stream_id": sid})
    assert (await _until(ms, "live:state", lambda d: d["state"] == "ended"))["reason"] == \
        "ended_by_creator"


async def test_followers_only_stream_is_for_followers(live_app, make_user):
    creator, fan, stranger = await make_user("c"), await make_user("fan"), \
        await make_user("stranger")
    await live_app.state.db.execute(
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", fan.id, creator.id)
    cs = await creator.connect(live_app.url)
    sid = (await cs.ok("live:create", {"visibility": "followers"}))["stream"]["id"]
    fs, ss = await fan.connect(live_app.url), await stranger.connect(live_app.url)
    await fs.ok("live:join", {"stream_id": sid})
    ack = await ss.call("live:join", {"stream_id": sid})
    assert ack["error"]["code"] == "stream_not_visible"


async def test_a_subscribers_only_streams_recording_becomes_a_subscribers_only_post(
        live_app, make_user):
    creator, stranger = await make_user("c"), await make_user("stranger")
    cs = await creator.connect(live_app.url)
    sid = (await cs.ok("live:create", {"title": "members night",
                                       "visibility": "subscribers"}))["stream"]["id"]
    # a recording on disk, as the packager leaves it when the publisher stops
    out = live_app.state.settings.media_root / "live" / sid
    (out / "360p").mkdir(parents=True)
    (out / "360p" / "vod.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:1.0,\nseg0.m4s\n#EXT-X-ENDLIST\n")
    (out / "vod.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,"
                                  "RESOLUTION=640x360\n360p/vod.m3u8\n")
    await cs.ok("live:end", {"stream_id": sid})
    row = None
    for _ in range(50):
        row = await live_app.state.db.fetchrow(
            "SELECT id::text, visibility FROM posts WHERE media_id = $1", f"live:{sid}")
        if row is not None:
            break
        await asyncio.sleep(0.1)
    assert row is not None and row["visibility"] == "subscribers"
    # non-subscribers see the locked teaser, not the recording
    s = await stranger.connect(live_app.url)
    seen = await s.ok("feed:get", {"post_id": row["id"]})
    assert seen.get("locked") is True and not seen.get("media_id")


async def test_the_creator_dashboard_charts_the_viewers_of_the_latest_stream(live_app,
                                                                             make_user):
    # before: the dashboard's viewers chart had only what the studio page had kept in its own
    # browser's localStorage: on another device, or after the studio closed, nothing
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.wallet_support import start_live_stream

    creator = await make_user("star", role="creator")
    cs = await creator.connect(live_app.url)
    today = datetime.now(ZoneInfo("Africa/Cairo")).date()
    span = {"since": (today - timedelta(days=6)).isoformat(), "until": today.isoformat()}
    assert (await cs.ok("wallet:metrics", span))["latest_stream_viewers"] is None
    sid = await start_live_stream(live_app, cs)
    await live_app.state.db.execute(
        "UPDATE live_streams SET started_at = now() WHERE id = $1::uuid", sid)
    fans = [await make_user(n) for n in ("amr", "mona")]
    socks = [await f.connect(live_app.url) for f in fans]

    async def samples_until(pred) -> list[dict]:
        for _ in range(100):  # bounded: 100 x 0.1 s
            got = (await cs.ok("wallet:metrics", span))["latest_stream_viewers"]
            if got and got["samples"] and pred(got["samples"]):
                assert got["stream_id"] == sid
                return got["samples"]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no such samples: {got}")

    for s in socks:
        await s.ok("live:join", {"stream_id": sid})
    await samples_until(lambda xs: xs[-1]["count"] == 2)
    await socks[0].ok("live:leave", {"stream_id": sid})
    samples = await samples_until(lambda xs: xs[-1]["count"] == 1)
    assert [x["at"] for x in samples] == sorted(x["at"] for x in samples)
    assert max(x["count"] for x in samples) == 2
