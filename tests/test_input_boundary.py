"""One input boundary: text and numbers a handler cannot store are refused at decode with
`invalid_payload` (or the cursor's own code), never `internal`; the bugs the probe hit."""
from __future__ import annotations

import aiohttp
import pytest

from tests.support.auth_api import FAST_AUTH, AuthApi
from tests.conftest import LiveApp


@pytest.mark.parametrize("name", ["\u202e\u202e", "\u200b\u200f", "   ", "\u2066\u2069\ufeff",
                                  "\u3164"])
async def test_names_of_only_invisible_or_direction_characters_are_refused(live_app, make_user,
                                                                           name):
    sock = await (await make_user("mona")).connect(live_app.url)
    ack = await sock.call("users:update_profile", {"display_name": name})
    assert ack["error"]["code"] == "invalid_payload", ack
    ack = await sock.call("circles:create", {"name": name})
    assert ack["error"]["code"] == "invalid_payload", ack


async def test_a_name_with_visible_letters_and_a_direction_mark_is_kept(live_app, make_user):
    sock = await (await make_user("mona")).connect(live_app.url)
    profile = await sock.ok("users:update_profile", {"display_name": "\u200fمنى"})
    assert profile["display_name"] == "\u200fمنى"


async def test_registration_refuses_an_invisible_display_name(settings):
    app = await LiveApp(settings.with_(extra={"auth": FAST_AUTH})).start()
    api = AuthApi(app.url)
    try:
        token = await api.verified("+201001234567")
        status, body = await api.call("POST", "/v1/auth/register", {
            "verification_token": token, "password": "correct horse 42",
            "display_name": "\u202e\u200b", "device": "Pixel"})
        assert status == 400 and body["code"] == "invalid_display_name"
    finally:
        await api.close()
        await app.stop()


async def test_a_partial_profile_update_keeps_the_rest(live_app, make_user):
    # before: the second update answered `internal` (NULL handle on the INSERT arm)
    sock = await (await make_user("mona")).connect(live_app.url)
    first = await sock.ok("users:update_profile", {"bio": "hi"})
    second = await sock.ok("users:update_profile", {"bio": "ahlan"})
    assert second["bio"] == "ahlan" and second["handle"] == first["handle"]
    third = await sock.ok("users:update_profile", {"language": "en"})
    assert third["bio"] == "ahlan" and third["language"] == "en"


async def test_for_you_with_no_public_post_yet_is_an_empty_page(live_app, make_user):
    sock = await (await make_user("first user")).connect(live_app.url)
    page = await sock.ok("feed:for_you", {})
    assert page["items"] == []


@pytest.mark.parametrize("req", [{"newer_than": ""}, {"cursor": ""}, {"cursor": "WyJ4Il0"},
                                 {"newer_than": "WzFlOTld"}, {"cursor": "!!!"}])
async def test_empty_or_forged_cursors_are_invalid_cursor(live_app, make_user, req):
    sock = await (await make_user("reader")).connect(live_app.url)
    ack = await sock.call("feed:home", req)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_cursor", ack


@pytest.mark.parametrize("limit", ["²", "١٠", "1_0", "+5", "99999999999999999999999"])
async def test_query_numbers_must_be_ascii_digits(live_app, make_user, limit):
    admin = await make_user("admin", role="admin")
    async with aiohttp.ClientSession() as http:
        async with http.get(live_app.url + "/v1/admin/audit", params={"limit": limit},
                            headers={"Authorization": f"Bearer {admin.token}"}) as r:
            body = await r.json(content_type=None)
            assert r.status == 400 and body["code"] == "invalid_payload", body
