"""tus headers are strict (ASCII digits, no NUL), an oversize creation-with-upload leaves no
upload behind, and the caller is authenticated before the protocol version is checked."""
from __future__ import annotations

import base64

import aiohttp
import pytest

from tests.test_uploads import TUS, auth, create, media_app  # noqa: F401 (fixture)


@pytest.mark.parametrize("length", ["1_000", "+1000", "١٠٠٠", "1e3", "0x10", "-1"])
async def test_upload_length_is_ascii_digits_only(media_app, make_user, length):  # noqa: F811
    alice = await make_user("alice")
    async with aiohttp.ClientSession() as http:
        async with await create(http, media_app.url, alice, length) as r:
            assert r.status == 400 and (await r.json())["code"] == "invalid_upload_length"
        async with await create(http, media_app.url, alice, 10) as r:
            loc = r.headers["Location"]
        async with http.patch(media_app.url + loc, data=b"x", headers={
                **auth(alice), "Upload-Offset": length.replace("1000", "0"),
                "Content-Type": "application/offset+octet-stream"}) as r:
            assert r.status == 400 and (await r.json())["code"] == "invalid_upload_offset"


async def test_metadata_with_nul_is_refused(media_app, make_user):  # noqa: F811
    alice = await make_user("alice")
    meta = "filename " + base64.b64encode(b"cl\x00ip.mp4").decode()
    async with aiohttp.ClientSession() as http:
        async with http.post(media_app.url + "/v1/uploads/", headers={
                **auth(alice), "Upload-Length": "10", "Upload-Metadata": meta}) as r:
            assert r.status == 400 and (await r.json())["code"] == "invalid_metadata"


async def test_oversize_creation_with_upload_leaves_no_upload_holding_a_slot(
        media_app, make_user):  # noqa: F811
    alice = await make_user("alice")
    body_headers = {"Content-Type": "application/offset+octet-stream"}
    async with aiohttp.ClientSession() as http:
        async with await create(http, media_app.url, alice, 10, extra=body_headers) as r:
            pass
        for chunked in (False, True):
            data = b"x" * 64
            if chunked:
                async def gen(chunk=data):
                    yield chunk
                data = aiohttp.payload.AsyncIterablePayload(gen())
            meta = f"filename {base64.b64encode(b'a.mp4').decode()},filetype " \
                   f"{base64.b64encode(b'video/mp4').decode()}"
            async with http.post(media_app.url + "/v1/uploads/", data=data, headers={
                    **auth(alice), **body_headers, "Upload-Length": "10",
                    "Upload-Metadata": meta}) as r:
                assert r.status == 413, await r.text()
    rows = await media_app.state.db.fetchval(
        "SELECT count(*) FROM media WHERE owner_id = $1::uuid", alice.id)
    assert rows == 1  # only the first, well-formed upload


async def test_tus_routes_answer_401_before_412(media_app, make_user):  # noqa: F811
    alice = await make_user("alice")
    async with aiohttp.ClientSession() as http:
        async with await create(http, media_app.url, alice, 10) as r:
            loc = r.headers["Location"]
        for method in ("HEAD", "PATCH", "DELETE"):
            async with http.request(method, media_app.url + loc) as r:
                assert r.status == 401, method
            async with http.request(method, media_app.url + loc, headers={
                    "Authorization": f"Bearer {alice.token}"}) as r:
                assert r.status == 412, method
