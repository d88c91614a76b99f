"""PDPL rights over HTTP: consent, data-subject export, erasure that leaves nothing personal."""
from __future__ import annotations

import io
import json
import uuid
import zipfile

import aiohttp
import asyncpg

from server.privacy import HOLDERS


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {user.token}"}


async def _conn(settings):
    return await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})


async def test_consent_is_recorded_per_purpose_and_policy_version_and_can_be_withdrawn(
        live_app, make_user):
    alice = await make_user("alice")
    async with aiohttp.ClientSession(headers=_auth(alice)) as http:
        async with http.post(live_app.url + "/v1/me/consents",
                             json={"purpose": "personalised_feed", "policy_version": "2026-01"}) as r:
            assert r.status == 201
        async with http.post(live_app.url + "/v1/me/consents",
                             json={"purpose": "marketing", "policy_version": "2026-01"}) as r:
            assert r.status == 201
        async with http.delete(live_app.url + "/v1/me/consents/marketing") as r:
            assert r.status == 200 and (await r.json())["withdrawn_at"]
        async with http.delete(live_app.url + "/v1/me/consents/marketing") as r:
            assert r.status == 404
        async with http.get(live_app.url + "/v1/me/consents") as r:
            body = await r.json()
    assert body["current"]["personalised_feed"]["granted"] is True
    assert body["current"]["marketing"]["granted"] is False
    assert len(body["history"]) == 2
    async with aiohttp.ClientSession() as http:
        async with http.get(live_app.url + "/v1/me/consents") as r:
            assert r.status == 401


async def _personal_data(live_app, settings, user, other, sentinel: str) -> None:
    """Put the user's data in every place this domain and the core know about."""
    conn = await _conn(settings)
    try:
        await conn.execute("UPDATE users SET phone = '+201001234567' WHERE id = $1::uuid",
                           user.id)
    finally:
        await conn.close()
    state = live_app.state
    s_user = await user.connect(live_app.url)
    s_other = await other.connect(live_app.url)
    # an item about the user's content (reported by someone else), and a report by the user
    # (reports name content the server holds: a post by each of them)
    conn = await _conn(settings)
    try:
        mine, theirs = [await conn.fetchval(
            "INSERT INTO posts (author_id, kind, body) VALUES ($1::uuid, 'text', $2) "
            "RETURNING id::text", author, body)
            for author, body in ((user.id, f"ya 7mar {sentinel}"), (other.id, "spam spam"))]
    finally:
        await conn.close()
    await s_other.ok("mod:report", {"target_type": "post", "target_id": mine,
                                    "reason": "harassment"})
    await s_user.ok("mod:report", {"target_type": "post", "target_id": theirs,
                                   "reason": "spam", "note": f"note {sentinel}"})
    async with aiohttp.ClientSession(headers=_auth(user)) as http:
        async with http.post(live_app.url + "/v1/me/consents",
                             json={"purpose": "analytics", "policy_version": "v1"}) as r:
            assert r.status == 201
    await state.redis.set(state.key("presence", user.id), "online")
    await state.redis.set(state.key("feed", user.id, "timeline"), "x")
    media = settings.media_root / "uploads" / user.id
    media.mkdir(parents=True, exist_ok=True)
    (media / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + sentinel.encode())


async def test_export_is_one_archive_of_everything_held_and_staff_access_is_audited(
        live_app, make_user, settings):
    sentinel = uuid.uuid4().hex
    alice, bob = await make_user(f"Alice {sentinel}"), await make_user("bob")
    admin = await make_user("admin", role="admin")
    await _personal_data(live_app, settings, alice, bob, sentinel)
    async with aiohttp.ClientSession(headers=_auth(admin)) as http:
        async with http.get(live_app.url + f"/v1/admin/users/{alice.id}/export") as r:
            assert r.status == 200
    async with aiohttp.ClientSession(headers=_auth(alice)) as http:
        async with http.get(live_app.url + "/v1/me/export") as r:
            assert r.status == 200 and r.headers["Content-Type"] == "application/zip"
            archive = zipfile.ZipFile(io.BytesIO(await r.read()))
    data = json.loads(archive.read("export.json"))
    d = data["domains"]
    assert set(HOLDERS) <= set(d)  # every registered domain answered
    assert d["account"]["display_name"] == f"Alice {sentinel}"
    assert d["account"]["phone"] == "+201001234567"
    assert sentinel in d["moderation"]["items_about_my_content"][0]["text_snapshot"]
    assert d["moderation"]["my_reports"][0]["note"] == f"note {sentinel}"
    assert d["pdpl"]["consents"][0]["purpose"] == "analytics"
    actions = [e["action"] for e in d["pdpl"]["audit"]]
    assert "staff_export" in actions  # the admin's look at her data is visible to her
    media = [n for n in archive.namelist() if n.startswith("media/")]
    assert media == [f"media/uploads/{alice.id}/clip.mp4"]


async def test_erasure_leaves_nothing_personal_in_any_registered_domain(
        live_app, make_user, settings):
    sentinel = uuid.uuid4().hex
    alice, bob = await make_user(f"Alice {sentinel}"), await make_user("bob")
    await _personal_data(live_app, settings, alice, bob, sentinel)
    async with aiohttp.ClientSession(headers=_auth(alice)) as http:
        async with http.delete(live_app.url + "/v1/me") as r:
            assert r.status == 200, await r.text()
            result = await r.json()
        async with http.get(live_app.url + "/v1/me/export") as r:
            assert r.status == 401  # signed out everywhere
    assert set(HOLDERS) == set(result["domains"])
    assert result["redis_keys"] >= 2  # and her rate-limit keys
    # 1. no column of any table in this deployment's schema holds her name, phone or words
    conn = await _conn(settings)
    try:
        cols = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = $1 AND data_type IN ('text', 'jsonb', 'json', "
            "'character varying', 'uuid', 'ARRAY')", settings.database_schema)
        leftovers, id_left = [], set()
        for c in cols:
            t, col = c["table_name"], c["column_name"]
            for needle in (sentinel, "1001234567"):
                n = await conn.fetchval(
                    f'SELECT count(*) FROM "{t}" WHERE "{col}"::text LIKE $1', f"%{needle}%")
                if n:
                    leftovers.append((t, col, needle))
            n = await conn.fetchval(
                f'SELECT count(*) FROM "{t}" WHERE "{col}"::text LIKE $1', f"%{alice.id}%")
            if n:
                id_left.add(t)
        user = await conn.fetchrow("SELECT * FROM users WHERE id = $1::uuid", alice.id)
        exports = {name: await h.export(conn, alice.id) for name, h in HOLDERS.items()}
    finally:
        await conn.close()
    assert leftovers == []
    assert user["phone"] is None and user["display_name"] == "" and user["status"] == "deleted"
    # 2. her id is left only on the anonymised users row, and where the auth domain keeps
    #    revoked sessions and its append-only security log stripped of device details
    assert id_left <= {"users", "auth_sessions", "auth_audit"}, id_left
    # 3. every registered domain's export of her is empty of what she was
    blob = json.dumps(exports, default=str)
    assert sentinel not in blob and "1001234567" not in blob
    # 4. Redis keys and media named after her are gone; the audit keeps a pseudonym only
    state = live_app.state
    assert await state.redis.exists(state.key("presence", alice.id)) == 0
    assert not (settings.media_root / "uploads" / alice.id).exists()
    conn = await _conn(settings)
    try:
        erasure = await conn.fetchrow("SELECT * FROM pdpl_audit WHERE action = 'erasure'")
        assert erasure["subject_id"] is None
        assert json.loads(erasure["details"])["pseudonym"].startswith("p_")
        assert await conn.fetchval("SELECT count(*) FROM pdpl_audit WHERE subject_id = $1::uuid "
                                   "OR actor_id = $1::uuid", alice.id) == 0
    finally:
        await conn.close()
