"""CORS on every HTTP route: a page on another origin can preflight, and can read errors."""
from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import LiveApp

PAGE = "https://app.example"
OTHER = "https://evil.example"


@pytest.fixture
async def app(settings):
    started = await LiveApp(settings.with_(cors_origins=(PAGE, "https://b.example"))).start()
    yield started
    await started.stop()


async def _preflight(http, url: str, method: str, headers: str, origin: str = PAGE):
    async with http.options(url, headers={"Origin": origin,
                                          "Access-Control-Request-Method": method,
                                          "Access-Control-Request-Headers": headers}) as r:
        return r.status, r.headers


async def test_preflight_on_every_kind_of_route(app, make_user):
    user = await make_user("viewer")
    cases = [  # path, method, headers the page sends
        ("/v1/live/streams", "POST", "authorization, content-type"),
        ("/v1/live/0b7c2f8e-7d0b-4a8e-9b5a-1f6f2c3d4e5f/hls/master.m3u8", "GET", "authorization"),
        ("/v1/live/0b7c2f8e-7d0b-4a8e-9b5a-1f6f2c3d4e5f/hls/360p/s1.2.m4s", "GET", "authorization"),
        ("/v1/live/0b7c2f8e-7d0b-4a8e-9b5a-1f6f2c3d4e5f/whip", "POST",
         "authorization, content-type"),
        ("/v1/live/0b7c2f8e-7d0b-4a8e-9b5a-1f6f2c3d4e5f/whip/abc", "DELETE", "authorization"),
        ("/v1/auth/otp", "POST", "content-type, idempotency-key"),
        ("/v1/auth/me", "GET", "authorization"),
        ("/v1/me", "DELETE", "authorization"),
        ("/v1/dev/outbox", "GET", "authorization"),
        ("/v1/uploads/", "POST", "tus-resumable, upload-length, upload-metadata"),
        ("/v1/uploads/xyz", "PATCH", "tus-resumable, upload-offset, content-type"),
    ]
    async with aiohttp.ClientSession() as http:
        for path, method, wanted in cases:
            status, h = await _preflight(http, app.url + path, method, wanted)
            assert status == 204, (path, status)
            assert h["Access-Control-Allow-Origin"] == PAGE, path
            assert method in h["Access-Control-Allow-Methods"].split(", "), path
            allowed = {x.strip().lower() for x in h["Access-Control-Allow-Headers"].split(",")}
            assert {x.strip() for x in wanted.split(",")} <= allowed, path
            assert "Origin" in h["Vary"]
        # The WHIP endpoint's own OPTIONS still answers (Accept-Post) alongside CORS.
        status, h = await _preflight(
            http, app.url + cases[3][0], "POST", "content-type")
        assert h["Accept-Post"] == "application/sdp"
        # A page on an origin that is not configured is told so, and gets no CORS grant.
        status, h = await _preflight(http, app.url + "/v1/live/streams", "POST",
                                     "authorization", origin=OTHER)
        assert status == 403 and "Access-Control-Allow-Origin" not in h

        # A real request: the page can read the 201 and its Location-like fields.
        async with http.post(app.url + "/v1/live/streams", json={"title": "t"},
                             headers={"Origin": PAGE, "Authorization": f"Bearer {user.token}"}
                             ) as r:
            assert r.status == 201 and r.headers["Access-Control-Allow-Origin"] == PAGE
            made = await r.json()
        async with http.get(app.url + "/healthz", headers={"Origin": OTHER}) as r:
            assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers



async def _error(http, method: str, url: str, origin: str = PAGE, **kw):
    async with http.request(method, url, headers={"Origin": origin, **kw.pop("headers", {})},
                            **kw) as r:
        body = await r.json(content_type=None)
        return r.status, body.get("code"), r.headers


async def test_errors_carry_cors_so_a_page_can_tell_retry_later_from_a_network_failure(
        app, make_user):
    user = await make_user("creator")
    bearer = {"Authorization": f"Bearer {user.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(app.url + "/v1/live/streams", json={"title": "t"},
                             headers=bearer) as r:
            made = await r.json()
        sid, whip = made["stream"]["id"], app.url + made["whip_url"]
        hls = f"{app.url}/v1/live/{sid}/hls"
        sdp = {"Content-Type": "application/sdp"}
        key = {"Authorization": f"Bearer {made['stream_key']}", **sdp}
        cases = [
            (("POST", app.url + "/v1/live/streams"), {"json": {}}, 401, "unauthorized"),
            (("GET", f"{hls}/master.m3u8"), {}, 404, "stream_not_ready"),
            (("POST", whip), {"headers": {"Authorization": "Bearer nope", **sdp},
                              "data": "v=0\r\n"}, 401, "bad_stream_key"),
            (("POST", whip), {"headers": key, "data": "v=0\r\nm=video 9 x\r\n"}, 422,
             "unsupported_offer"),
            (("POST", app.url + "/v1/auth/otp"), {"json": {"phone": "not a phone"}}, None, None),
            # a blocking reload that never comes true: 503 with Retry-After the page can read
            (("GET", f"{hls}/360p/index.m3u8?_HLS_msn=0&_HLS_part=0"), {}, 503,
             "playlist_timeout"),
        ]
        for (method, url), kw, status, code in cases:
            got_status, got_code, h = await _error(http, method, url, **kw)
            if status is not None:
                assert (got_status, got_code) == (status, code), url
            else:
                assert got_status >= 400, url
            assert h["Access-Control-Allow-Origin"] == PAGE, url
            assert "Retry-After" in h["Access-Control-Expose-Headers"]
            assert h["Content-Type"].startswith("application/problem+json")
            if got_status == 503:
                assert int(h["Retry-After"]) >= 1
        await app.state.db.execute("UPDATE live_streams SET state = 'ended' WHERE id = $1", sid)
        status, code, h = await _error(http, "POST", whip, headers=key, data="v=0\r\n")
        assert (status, code) == (409, "stream_ended")
        assert h["Access-Control-Allow-Origin"] == PAGE
        # 405 from the router: still a problem the page can read, with the Allow header.
        status, code, h = await _error(http, "PATCH", f"{whip}/abc", headers=key)
        assert status == 405 and h["Access-Control-Allow-Origin"] == PAGE and "Allow" in h
        # An origin that is not configured gets the error but no grant to read it.
        status, _, h = await _error(http, "GET", f"{hls}/master.m3u8", origin=OTHER)
        assert status == 404 and "Access-Control-Allow-Origin" not in h
