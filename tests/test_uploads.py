"""Video uploads: tus protocol, resume after a cut and a restart, validation, the HLS ladder."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
from pathlib import Path

import aiohttp
import av
import pytest

from handlers.media.actions import PROCESS_JOB
from media.hls import parse_media_playlist
from server.jobs import JobConfig, JobQueue, Worker, collect_jobs
from server.worker import build_worker_state, close_worker_state
from tests.conftest import LiveApp
from tests.support.media import make_clip, tus_upload

# Small, fast settings shared by in-process apps (Settings.extra) and subprocesses (env).
MEDIA_ENV = {"MEDIA_SEGMENT_SECONDS": "1", "MEDIA_X264_PRESET": "ultrafast",
             "MEDIA_MAX_UPLOAD_BYTES": str(50 * 1024 * 1024), "MEDIA_MAX_DURATION": "30",
             "MEDIA_POSTER_AT": "0.5", "MEDIA_PREVIEW_SECONDS": "1",
             "JOB_RECLAIM_IDLE": "1.5", "JOB_BLOCK": "0.2", "JOB_BACKOFF_BASE": "0.2"}
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
async def media_app(settings):
    app = await LiveApp(settings.with_(extra=dict(MEDIA_ENV))).start()
    yield app
    await app.stop()


@pytest.fixture
async def inproc_worker(media_app):
    """A worker in this test's loop, running the media jobs (for cheap failure stories)."""
    state = await build_worker_state(media_app.settings)
    jobs, failures, _queues = collect_jobs([_media_domain()])
    worker = Worker(state, jobs, ["media"], on_failure=failures,
                    queue=JobQueue(state.redis, state.settings,
                                   JobConfig.from_settings(state.settings)))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, grace=5))
    yield worker
    stop.set()
    await task
    await close_worker_state(state)


def _media_domain():
    from server.domains import discover

    return next(d for d in discover() if d.name == "media")


def auth(user) -> dict:
    return {"Authorization": f"Bearer {user.token}", **TUS}


async def create(http, url, user, length, *, filetype="video/mp4", extra=None):
    meta = f"filename {base64.b64encode(b'clip.mp4').decode()},filetype " \
           f"{base64.b64encode(filetype.encode()).decode()}"
    headers = {**auth(user), "Upload-Length": str(length), "Upload-Metadata": meta,
               **(extra or {})}
    return await http.post(url + "/v1/uploads/", headers=headers)


async def head_offset(http, url, user, location) -> int:
    async with http.head(url + location, headers=auth(user)) as r:
        assert r.status == 200, r.status
        return int(r.headers["Upload-Offset"])


def patch_headers(user, offset, body=None, checksum=None) -> dict:
    h = {**auth(user), "Upload-Offset": str(offset),
         "Content-Type": "application/offset+octet-stream"}
    if checksum:
        h["Upload-Checksum"] = checksum
    elif body is not None:
        h["Upload-Checksum"] = "sha1 " + base64.b64encode(hashlib.sha1(body).digest()).decode()
    return h


async def test_tus_discovery_and_protocol_rules(media_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    url = media_app.url
    async with aiohttp.ClientSession() as http:
        async with http.options(url + "/v1/uploads/", headers={
                "Origin": "https://app.sawt.example",
                "Access-Control-Request-Method": "PATCH"}) as r:
            assert r.status == 204
            assert "Upload-Offset" in r.headers["Access-Control-Allow-Headers"]
            assert "Location" in r.headers["Access-Control-Expose-Headers"]
            assert r.headers["Tus-Version"] == "1.0.0"
            assert set(r.headers["Tus-Extension"].split(",")) >= {
                "creation", "creation-with-upload", "termination", "checksum", "expiration"}
            assert int(r.headers["Tus-Max-Size"]) == 50 * 1024 * 1024
            assert "sha1" in r.headers["Tus-Checksum-Algorithm"]
        async with http.post(url + "/v1/uploads/", headers={"Upload-Length": "10"}) as r:
            assert r.status == 401  # who asks is checked before what protocol it speaks
        async with http.post(url + "/v1/uploads/", headers={
                "Upload-Length": "10", "Authorization": f"Bearer {alice.token}"}) as r:
            assert r.status == 412 and r.headers["Tus-Version"] == "1.0.0"
        async with http.post(url + "/v1/uploads/", headers={**TUS, "Upload-Length": "10"}) as r:
            assert r.status == 401
        async with await create(http, url, alice, 10, filetype="image/png") as r:
            assert r.status == 415 and (await r.json())["code"] == "unsupported_media_type"
        async with await create(http, url, alice, 60 * 1024 * 1024) as r:
            assert r.status == 413 and (await r.json())["code"] == "upload_too_large"

        async with await create(http, url, alice, 20) as r:
            assert r.status == 201 and r.headers["Tus-Resumable"] == "1.0.0"
            loc = r.headers["Location"]
            assert "GMT" in r.headers["Upload-Expires"]
        async with http.head(url + loc, headers=auth(alice)) as r:
            assert r.headers["Upload-Offset"] == "0" and r.headers["Upload-Length"] == "20"
            assert r.headers["Cache-Control"] == "no-store"
        async with http.head(url + loc, headers=auth(bob)) as r:
            assert r.status == 404  # someone else's upload does not exist for you
        body = b"0123456789"
        async with http.patch(url + loc, data=body, headers={
                **patch_headers(alice, 0), "Content-Type": "text/plain"}) as r:
            assert r.status == 415
        async with http.patch(url + loc, data=body, headers=patch_headers(alice, 5)) as r:
            assert r.status == 409 and (await r.json())["details"]["offset"] == 0
        bad = "sha1 " + base64.b64encode(hashlib.sha1(b"other").digest()).decode()
        async with http.patch(url + loc, data=body,
                              headers=patch_headers(alice, 0, checksum=bad)) as r:
            assert r.status == 460
        assert await head_offset(http, url, alice, loc) == 0  # the bad chunk was discarded
        async with http.patch(url + loc, data=body, headers=patch_headers(alice, 0, body)) as r:
            assert r.status == 204 and r.headers["Upload-Offset"] == "10"
        async with http.patch(url + loc, data=b"x" * 11, headers=patch_headers(alice, 10)) as r:
            assert r.status == 413  # more than Upload-Length announced
        async with http.delete(url + loc, headers=auth(alice)) as r:
            assert r.status == 204
        async with http.head(url + loc, headers=auth(alice)) as r:
            assert r.status == 404


async def test_creation_with_upload_and_a_request_cut_mid_way_keeps_what_arrived(
        media_app, make_user):
    alice = await make_user("alice")
    url = media_app.url
    payload = os.urandom(64 * 1024)
    async with aiohttp.ClientSession() as http:
        # creation-with-upload: the first bytes ride on the POST
        async with http.post(url + "/v1/uploads/", data=payload[:1000], headers={
                **auth(alice), "Upload-Length": str(len(payload)),
                "Content-Type": "application/offset+octet-stream"}) as r:
            assert r.status == 201 and r.headers["Upload-Offset"] == "1000"
            loc = r.headers["Location"]
    # A phone loses its network: headers announce 40000 bytes, 20000 arrive, the socket dies.
    reader, writer = await asyncio.open_connection("127.0.0.1", media_app.port)
    head = (f"PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: Bearer {alice.token}\r\nUpload-Offset: 1000\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: 40000\r\n\r\n")
    writer.write(head.encode() + payload[1000:21000])
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.transport.abort()
    async with aiohttp.ClientSession() as http:
        offset = 0
        for _ in range(50):
            offset = await head_offset(http, url, alice, loc)
            if offset == 21000:
                break
            await asyncio.sleep(0.1)
        assert offset == 21000  # resumes at the exact byte that arrived
        rest = payload[offset:]
        async with http.patch(url + loc, data=rest, headers=patch_headers(alice, offset, rest)) as r:
            assert r.status == 204 and int(r.headers["Upload-Offset"]) == len(payload)
    row = await media_app.state.db.fetchrow("SELECT status FROM media WHERE id = $1",
                                            loc.rsplit("/", 1)[1])
    assert row["status"] in ("uploaded", "processing", "failed")  # handed to the worker


@pytest.mark.parametrize("case", ["not_a_video", "corrupt", "too_long"])
async def test_a_bad_upload_fails_cleanly_and_the_uploader_is_told(
        media_app, inproc_worker, make_user, tmp_path, case):
    alice = await make_user("alice")
    phone = await alice.connect(media_app.url)
    if case == "not_a_video":
        path = tmp_path / "notes.mp4"
        path.write_bytes(b"these are my holiday notes, not a video\n" * 500)
    elif case == "corrupt":  # a phone's recording cut short: ftyp + part of mdat, no moov
        whole = await asyncio.to_thread(
            make_clip, tmp_path / "whole.mp4", seconds=1, width=160, height=120, fps=10)
        path = tmp_path / "cut.mp4"
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    else:
        path = await asyncio.to_thread(
            make_clip, tmp_path / "long.mp4", seconds=31, width=64, height=48, fps=5,
            audio=False)
    loc, offset = await asyncio.to_thread(tus_upload, media_app.url, alice.token, path,
                                          chunk_size=1 << 20)
    media_id = loc.rsplit("/", 1)[1]
    failed = await phone.next("media:failed", timeout=30)
    assert failed["media_id"] == media_id and failed["code"] == case
    assert failed["reason"]
    view = await phone.ok("media:get", {"media_id": media_id})
    assert view["status"] == "failed" and view["error"]["code"] == case
    # the bytes are gone
    assert not list((Path(media_app.settings.media_root) / "uploads").rglob(f"{media_id}*"))
    async with aiohttp.ClientSession() as http:
        async with http.head(loc, headers=auth(alice)) as r:
            assert r.status == 410


def _variants(master: str) -> list[tuple[dict, str]]:
    lines = master.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            out.append(({k: v.strip('"') for k, v in attrs.items()}, lines[i + 1]))
    return out


async def test_upload_survives_a_cut_and_a_server_restart_then_plays_as_a_ladder(
        settings, server_procs, media_app, inproc_worker, make_user, tmp_path):
    alice = await make_user("alice")
    phone = await alice.connect(media_app.url)  # a node that stays up, shares Redis
    clip = await asyncio.to_thread(
        make_clip, tmp_path / "holiday.mp4", seconds=2, width=1280, height=720, fps=15)
    size = clip.stat().st_size
    chunk = size // 4 + 1
    (node_a,) = await server_procs(1, **MEDIA_ENV)
    loc, offset = await asyncio.to_thread(tus_upload, node_a.url, alice.token, clip,
                                          chunk_size=chunk, stop_after_chunks=2)
    assert offset == 2 * chunk
    node_a.kill()  # the server process dies (SIGKILL), the app stops mid-upload
    (node_b,) = await server_procs(1, **MEDIA_ENV)
    path = loc.split(str(node_a.port), 1)[1]
    # The app resumes on whatever node it reaches, from the offset the server kept.
    loc_b, offset = await asyncio.to_thread(tus_upload, node_b.url, alice.token, clip,
                                            chunk_size=chunk, url=node_b.url + path)
    assert offset == size
    media_id = path.rsplit("/", 1)[1]

    stages = []
    while True:
        ev = await phone.next("media:progress", timeout=60)
        assert ev["media_id"] == media_id
        stages.append(ev["stage"])
        if ev["stage"] == "packaging":
            break
    assert "probing" in stages and "transcoding" in stages
    ready = await phone.next("media:ready", timeout=60)
    assert ready["media_id"] == media_id and ready["status"] == "ready"
    assert [r["name"] for r in ready["renditions"]] == ["720p", "480p", "240p"]

    base = node_b.url + f"/v1/media/{media_id}/hls/"
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "master.m3u8") as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "application/vnd.apple.mpegurl"
            master = await r.text()
        variants = _variants(master)
        assert [v[0]["RESOLUTION"] for v in variants] == ["1280x720", "854x480", "426x240"]
        for attrs, _uri in variants:
            assert int(attrs["BANDWIDTH"]) > 0
            assert re.fullmatch(r"avc1\.[0-9a-f]{6},mp4a\.40\.2", attrs["CODECS"])
        boundaries = []
        for attrs, uri in variants:
            async with http.get(base + uri) as r:
                segs = parse_media_playlist(await r.text())
            durations = [s.duration for s in segs]
            assert abs(sum(durations) - 2.0) < 0.2
            assert all(abs(d - 1.0) < 0.15 for d in durations[:-1])  # ~segment length
            boundaries.append(durations)
            async with http.get(base + uri.rsplit("/", 1)[0] + "/" + segs[0].uri) as r:
                assert r.headers["Content-Type"] == "video/mp2t"
                assert "immutable" in r.headers["Cache-Control"]
        assert boundaries[0] == boundaries[1] == boundaries[2]  # aligned keyframes
        poster = node_b.url + f"/v1/media/{media_id}/poster.jpg"
        async with http.get(poster, headers={"Range": "bytes=0-99"}) as r:
            assert r.status == 206 and r.headers["Content-Type"] == "image/jpeg"
            assert r.headers["Content-Range"].startswith("bytes 0-99/")
            assert (await r.read())[:2] == b"\xff\xd8"
        async with http.get(node_b.url + f"/v1/media/{media_id}/preview.mp4") as r:
            assert r.status == 200 and r.headers["Content-Type"] == "video/mp4"

    # A player opens the master playlist and every rendition decodes at its size.
    def decode_all() -> dict:
        seen = {}
        for attrs, uri in variants:
            with av.open(base + uri) as c:
                frames = [f for f in c.decode(video=0)]
                seen[attrs["RESOLUTION"]] = (frames[0].width, frames[0].height, len(frames))
        with av.open(base + "master.m3u8") as c:
            assert len(c.streams.video) == 3
        return seen

    seen = await asyncio.to_thread(decode_all)
    assert seen["1280x720"][:2] == (1280, 720) and seen["426x240"][:2] == (426, 240)
    assert all(n >= 28 for _w, _h, n in seen.values())  # 2 s at 15 fps, give or take one


async def test_a_killed_workers_job_is_redone_by_another(
        settings, media_app, worker_procs, make_user, tmp_path):
    alice = await make_user("alice")
    phone = await alice.connect(media_app.url)
    clip = await asyncio.to_thread(
        make_clip, tmp_path / "clip.mp4", seconds=2, width=1280, height=720, fps=15)
    # Two `python -m server worker` processes; the transcoder is slowed so one dies mid-job.
    workers = await worker_procs(2, **MEDIA_ENV, MEDIA_TEST_FRAME_DELAY="0.1")
    loc, _ = await asyncio.to_thread(tus_upload, media_app.url, alice.token, clip,
                                     chunk_size=1 << 20)
    media_id = loc.rsplit("/", 1)[1]
    while True:
        ev = await phone.next("media:progress", timeout=30)
        if ev["stage"] == "transcoding" and ev["percent"] >= 10:
            break
    q = JobQueue(media_app.state.redis, media_app.settings)
    pending = await media_app.state.redis.xpending_range(q.stream("media"), "workers",
                                                        min="-", max="+", count=10)
    assert len(pending) == 1
    holder_pid = int(pending[0]["consumer"].decode().split(":")[1])
    holder = next(w for w in workers if w.proc.pid == holder_pid)
    survivor = next(w for w in workers if w is not holder)
    await asyncio.to_thread(holder.kill)  # dies mid-transcode (SIGKILL), nothing acked
    ready = await phone.next("media:ready", timeout=60)
    assert ready["media_id"] == media_id
    async with aiohttp.ClientSession() as http:
        async with http.get(media_app.url + ready["hls"]) as r:
            assert r.status == 200 and "#EXT-X-STREAM-INF" in await r.text()
    assert await q.dead() == []
    assert "job_reclaimed" in survivor.log_tail(200_000)  # the other worker redid it
    assert await asyncio.to_thread(survivor.stop) == 0  # SIGTERM: a clean exit
    assert PROCESS_JOB == "media.process"

async def test_a_video_post_is_published_only_once_its_video_is_ready(
        media_app, inproc_worker, make_user, tmp_path):
    alice, bob = await make_user("alice"), await make_user("bob")
    phone, bob_phone = await alice.connect(media_app.url), await bob.connect(media_app.url)
    clip = await asyncio.to_thread(
        make_clip, tmp_path / "cat.mp4", seconds=1, width=320, height=240, fps=10)
    # The app creates the upload, then the post right away, while bytes are still going up.
    loc, _ = await asyncio.to_thread(tus_upload, media_app.url, alice.token, clip,
                                     chunk_size=4096, stop_after_chunks=1)
    media_id = loc.rsplit("/", 1)[1]
    post = await phone.ok("feed:post", {"kind": "video", "body": "my cat",
                                        "media_id": media_id})
    assert post["status"] == "pending_media"  # "processing", shown to its author alone
    ack = await bob_phone.call("feed:get", {"post_id": post["id"]})
    assert ack["ok"] is False
    await asyncio.to_thread(tus_upload, media_app.url, alice.token, clip, chunk_size=1 << 20,
                            url=loc)
    await phone.next("media:ready", timeout=60)
    for _ in range(50):  # the feed publishes right after the media is marked ready
        got = await bob_phone.call("feed:get", {"post_id": post["id"]})
        if got["ok"]:
            break
        await asyncio.sleep(0.1)
    assert got["ok"] and got["data"]["status"] == "published"
    assert got["data"]["media_id"] == media_id


async def test_an_abandoned_upload_expires_and_its_bytes_are_swept(settings, make_user):
    from handlers.media.actions import do_sweep_expired

    app = await LiveApp(settings.with_(extra={**MEDIA_ENV, "MEDIA_UPLOAD_TTL": "1"})).start()
    try:
        alice = await make_user("alice")
        async with aiohttp.ClientSession() as http:
            async with await create(http, app.url, alice, 100) as r:
                loc = r.headers["Location"]
            async with http.patch(app.url + loc, data=b"x" * 10,
                                  headers=patch_headers(alice, 0)) as r:
                assert r.status == 204
            await asyncio.sleep(2.1)
            async with http.head(app.url + loc, headers=auth(alice)) as r:
                assert r.status == 410
            assert await do_sweep_expired(app.state) == 1
            assert not list((Path(app.settings.media_root) / "uploads").rglob("*.part"))
            async with http.head(app.url + loc, headers=auth(alice)) as r:
                assert r.status == 404
    finally:
        await app.stop()


async def test_per_user_quotas_limit_open_uploads_and_bytes_per_day(settings, make_user):
    env = {**MEDIA_ENV, "MEDIA_MAX_OPEN_UPLOADS": "2",
           "MEDIA_DAILY_QUOTA_BYTES": str(1000)}
    app = await LiveApp(settings.with_(extra=env)).start()
    try:
        alice, bob = await make_user("alice"), await make_user("bob")
        async with aiohttp.ClientSession() as http:
            locs = []
            for _ in range(2):
                async with await create(http, app.url, alice, 100) as r:
                    assert r.status == 201
                    locs.append(r.headers["Location"])
            async with await create(http, app.url, alice, 100) as r:
                assert r.status == 429 and (await r.json())["code"] == "too_many_uploads"
            async with await create(http, app.url, bob, 100) as r:
                assert r.status == 201  # quotas are per user
            async with http.delete(app.url + locs[0], headers=auth(alice)) as r:
                assert r.status == 204
            async with await create(http, app.url, alice, 901) as r:  # 100 + 901 > 1000
                assert r.status == 413 and (await r.json())["code"] == "quota_exceeded"
            async with await create(http, app.url, alice, 900) as r:
                assert r.status == 201  # the terminated upload's bytes no longer count
    finally:
        await app.stop()
