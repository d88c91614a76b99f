"""The web app in a real browser (Chromium, headless, fake camera): sign-up, DMs, feeds,
uploads, live, tips, moderation, Arabic RTL, axe-core. Flows live in tests/browser/flows."""
from __future__ import annotations

import aiohttp
import pytest

from tests.support.browser import SERVER_ENV, build_web_app, require_browser, run_flow


@pytest.fixture(scope="module", autouse=True)
def web_app_built():
    require_browser()
    build_web_app()


async def test_two_people_sign_up_and_exchange_dms_in_arabic(server_procs):
    (srv,) = await server_procs(1, **SERVER_ENV)
    # a process that replays nothing after a drop: the app's own resync has to fill the gap
    (no_replay,) = await server_procs(1, **SERVER_ENV, RECOVERY_WINDOW="0")
    facts = await run_flow("signup_dm", base=srv.url, base_without_replay=no_replay.url)
    t = facts["timings"]
    assert {"sign_up", "first_dm", "recovered_after_drop", "offline_message_delivered",
            "resynced_on_another_process"} <= t.keys()
    assert facts["events"]["layout"][0]["dir"] == "rtl"
    seqs = facts["events"]["messages"][-1]["b"]
    assert seqs == list(range(1, len(seqs) + 1))  # from the first message, none twice, no gap


async def test_the_server_serves_the_app_without_shadowing_the_api(server_procs):
    (srv,) = await server_procs(1)
    async with aiohttp.ClientSession() as http:
        async with http.get(srv.url + "/") as r:
            index = await r.text()
            assert r.status == 200 and r.headers["Cache-Control"] == "no-cache"
            assert '<html lang="ar" dir="rtl">' in index
        asset = index.split('src="', 1)[1].split('"', 1)[0]
        async with http.get(srv.url + asset) as r:
            assert r.status == 200 and "immutable" in r.headers["Cache-Control"]
        async with http.get(srv.url + "/chat", headers={"Accept": "text/html"}) as r:
            assert r.status == 200 and await r.text() == index  # the SPA fallback
        async with http.get(srv.url + "/assets/missing-123.js") as r:
            assert r.status == 404  # a missing file is never the app's HTML
        async with http.get(srv.url + "/v1/no-such-route") as r:
            assert r.status == 404 and r.content_type == "application/problem+json"
        async with http.get(srv.url + "/v1/auth/otp") as r:
            assert r.status == 405  # the API's own answer, not index.html
        async with http.get(srv.url + "/healthz") as r:
            assert (await r.json())["status"] == "ok"
        async with http.get(srv.url + "/../../etc/passwd") as r:
            assert "root:" not in await r.text()


@pytest.fixture
def browser_server_env(monkeypatch):
    for k, v in SERVER_ENV.items():
        monkeypatch.setenv(k, v)


async def _browser_session(user, conn) -> dict:
    return {"user_id": user.id, "session_id": user.session_id, "role": user.role,
            "access_token": user.token, "display_name": user.name}


async def test_a_stream_from_the_studio_plays_in_another_page_and_a_tip_moves_both_balances(
        browser_server_env, live_app, make_user):
    from tests.wallet_support import fund

    creator = await make_user("نجمة", role="creator")
    viewer = await make_user("متفرج")
    await fund(live_app.state, viewer.id, 50_000)
    facts = await run_flow("live_tip", base=live_app.url, viewer_funds=50_000,
                           creator=await _browser_session(creator, None),
                           viewer=await _browser_session(viewer, None))
    t = facts["timings"]
    assert {"publish_to_playing", "latency_median", "tip_to_both_balances"} <= t.keys()
    hold = facts["events"]["hold_back"][0]  # hls.js follows the playlist's PART-HOLD-BACK
    assert hold["part_hold_back"] > 0 and hold["target"] == hold["part_hold_back"]
    async with live_app.state.db.acquire() as conn:
        ended = await conn.fetchrow("SELECT state, vod_path, post_id FROM live_streams "
                                    "WHERE creator_id = $1::uuid", creator.id)
    assert ended["state"] == "ended" and ended["vod_path"] and ended["post_id"]


async def test_a_post_reaches_a_followers_open_feed_and_a_browser_upload_plays(
        server_procs, worker_procs, make_user, tmp_path):
    from tests.support.media import make_clip

    (srv,) = await server_procs(1, **SERVER_ENV)
    await worker_procs(1)
    author, follower = await make_user("كاتبة"), await make_user("متابع")
    clip = make_clip(tmp_path / "clip.mp4", seconds=2.0, width=320, height=240)
    facts = await run_flow("feed_video", base=srv.url, clip=str(clip),
                           author=await _browser_session(author, None),
                           follower=await _browser_session(follower, None))
    assert {"post_to_follower_feed", "upload_to_playing"} <= facts["timings"].keys()


async def test_a_moderator_removes_a_held_abusive_message_from_the_live_queue(
        server_procs, make_user, settings):
    import asyncpg

    # every allowed public post is drawn for review, so the flow meets a sample
    (srv,) = await server_procs(1, **SERVER_ENV, MODERATION_SAMPLE_RATE="1")
    mod = await make_user("مشرفة", role="moderator")
    sender, recipient = await make_user("مرسل"), await make_user("مستقبل")
    await run_flow("moderation", base=srv.url, moderator=await _browser_session(mod, None),
                   sender=await _browser_session(sender, None),
                   recipient=await _browser_session(recipient, None))
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        row = await conn.fetchrow("SELECT decision, decided_by::text, category FROM mod_items "
                                  "WHERE target_type = 'chat_message'")
        sample = await conn.fetchrow("SELECT source, decision FROM mod_items "
                                     "WHERE target_type = 'post'")
    finally:
        await conn.close()
    assert row["decision"] == "remove" and row["decided_by"] == mod.id
    assert row["category"] == "hate"  # what the moderator said was wrong, not the gate's insult
    assert (sample["source"], sample["decision"]) == ("sample", "restore")


async def test_passkey_sign_in_and_signing_out_another_device(settings):
    from tests.support.servers import ServerProcess, free_port

    # WebAuthn needs a host name (no IP address can be a relying party): localhost.
    port = free_port()
    srv = ServerProcess(settings, port, extra_env={
        **SERVER_ENV, "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ORIGINS": f"http://localhost:{port}"})
    try:
        await srv.start_ready()
        facts = await run_flow("passkey_devices", base=f"http://localhost:{srv.port}", timeout=80)
    finally:
        srv.stop()
    assert "passkey_login" in facts["timings"]


async def test_a_top_up_through_the_dev_checkout_moves_the_wallet_page_balance(
        server_procs, make_user):
    (srv,) = await server_procs(1, **SERVER_ENV)
    fan = await make_user("مشجع")
    facts = await run_flow("topup", base=srv.url, user=await _browser_session(fan, None))
    assert "topup_to_balance" in facts["timings"]
