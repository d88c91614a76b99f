"""Finished media in an S3-compatible bucket: signatures, uploads, signed-URL redirects."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from media.s3 import SigV4
from tests.conftest import LiveApp
from tests.support.media import make_clip, tus_upload
from tests.support.s3sim import S3Sim
from tests.support.servers import free_port
from tests.test_uploads import MEDIA_ENV, _media_domain

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sigv4_matches_the_examples_in_the_aws_documentation():
    s = SigV4(AK, SK, "us-east-1")
    url = s.presign("GET", "examplebucket.s3.amazonaws.com", "/test.txt", 86400,
                    "20130524T000000Z")
    assert url.endswith("X-Amz-Signature="
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    sig, signed = s.signature("GET", "/test.txt", {}, {
        "host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9",
        "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"}, EMPTY,
        "20130524T000000Z")
    assert signed == "host;range;x-amz-content-sha256;x-amz-date"
    assert sig == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


async def test_ready_video_lives_in_the_bucket_and_viewers_get_signed_urls(
        settings, make_user, tmp_path):
    from server.jobs import Worker, collect_jobs
    from server.worker import build_worker_state, close_worker_state

    sim = S3Sim(AK, SK)
    runner = web.AppRunner(sim.app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    extra = {**MEDIA_ENV, "MEDIA_STORAGE": "s3", "S3_ENDPOINT": f"http://127.0.0.1:{port}",
             "S3_BUCKET": "sawt-media", "S3_ACCESS_KEY_ID": AK, "S3_SECRET_ACCESS_KEY": SK}
    app = await LiveApp(settings.with_(extra=extra)).start()
    wstate = await build_worker_state(app.settings)
    jobs, failures, _ = collect_jobs([_media_domain()])
    worker = Worker(wstate, jobs, ["media"], on_failure=failures)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, grace=5))
    phone = None
    try:
        alice = await make_user("alice")
        phone = await alice.connect(app.url)
        clip = await asyncio.to_thread(
            make_clip, tmp_path / "c.mp4", seconds=1, width=320, height=240, fps=10)
        await asyncio.to_thread(tus_upload, app.url, alice.token, clip, chunk_size=1 << 20)
        ready = await phone.next("media:ready", timeout=60)
        keys = {k for b, k in sim.objects if b == "sawt-media"}
        prefix = f"{alice.id}/{ready['media_id']}"
        assert f"{prefix}/hls/master.m3u8" in keys and f"{prefix}/poster.jpg" in keys
        body, headers = sim.objects[("sawt-media", f"{prefix}/hls/master.m3u8")]
        assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
        async with aiohttp.ClientSession() as http:
            async with http.get(app.url + ready["hls"], allow_redirects=False) as r:
                assert r.status == 302
                signed = r.headers["Location"]
            assert "X-Amz-Signature=" in signed
            async with http.get(signed) as r:  # the bucket honours the signature
                assert r.status == 200 and (await r.read()) == body
            async with http.get(signed.replace("X-Amz-Expires=3600", "X-Amz-Expires=9")) as r:
                assert r.status == 403  # tampered URL refused
        # Erasure (PDPL) removes the user's objects from the bucket.
        from handlers.media.actions import _erase_files
        await _erase_files(app.state, alice.id)
        assert not [k for b, k in sim.objects if k.startswith(alice.id)]
    finally:
        if phone is not None:
            await phone.close()  # an open socket would hold the app's shutdown
        stop.set()
        await task
        await close_worker_state(wstate)
        await app.stop()
        await runner.cleanup()
