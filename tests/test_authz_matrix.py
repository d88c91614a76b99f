"""Who may call what, from one table: every registered event and staff route by role, and
the relationship-guarded actions (owner, member, follower, subscriber, removed, blocked,
stranger) by relationship. A new role restriction must be added to ROLE_TABLE (the test
compares the registry with it), so changing who may call an event is a reviewed edit."""
from __future__ import annotations

import aiohttp

from server.domains import discover
from server.sockets import EVENTS, ROLES
from tests.wallet_support import fund, key, start_live_stream

# every socket event with a role restriction, and the staff HTTP routes; the rest: any role
ROLE_TABLE = {
    "mod:claim": ("moderator", "admin"), "mod:decide": ("moderator", "admin"),
    "mod:leave": ("moderator", "admin"), "mod:queue": ("moderator", "admin"),
    "mod:release": ("moderator", "admin"), "system:announce": ("admin",),
    "users:verify": ("admin",), "wallet:cashout": ("creator",),
    "wallet:cashout_review": ("admin",), "wallet:instapay_confirm": ("admin",),
    "wallet:metrics": ("creator",), "wallet:tier_set": ("creator",),
}
ROUTE_TABLE = {
    ("GET", "/v1/admin/audit"): ("admin",),
    ("GET", "/v1/admin/users/{user}/export"): ("admin",),
    ("PUT", "/v1/auth/users/{user}/role"): ("admin",),
}
OK = "ok"
# relationship -> expected answer, per guarded action (the code a refused caller sees)
REL_TABLE = {
    "live:join public": {"owner": OK, "stranger": OK, "blocked": "stream_not_visible",
                         "removed": "removed_from_stream"},
    "live:join followers": {"owner": OK, "follower": OK, "stranger": "stream_not_visible",
                            "blocked": "stream_not_visible"},
    "live:join subscribers": {"owner": OK, "subscriber": OK, "follower": "stream_not_visible",
                              "stranger": "stream_not_visible"},
    "live:end": {"owner": OK, "stranger": "not_stream_owner"},
    "live:remove": {"owner": OK, "stranger": "not_stream_owner"},
    "wallet:tip in stream": {"follower": OK, "stranger": "stream_not_visible",
                             "blocked": "stream_not_visible",
                             "removed": "removed_from_stream"},
    "circles:members": {"owner": OK, "member": OK, "stranger": "not_circle_member"},
    "circles:invite": {"owner": OK, "member": "not_circle_admin",
                       "stranger": "not_circle_admin"},
    "chat:history": {"member": OK, "stranger": "conversation_not_found"},
    "feed:get followers post": {"owner": OK, "follower": OK, "stranger": "post_not_found",
                                "blocked": "blocked"},
}


def code_of(ack: dict) -> str:
    return OK if ack.get("ok") else ack["error"]["code"]


async def test_roles_from_one_table(live_app, make_user):
    discover()
    declared = {name: spec.roles for name, spec in EVENTS.items() if spec.roles}
    assert declared == {k: tuple(v) for k, v in ROLE_TABLE.items()}, \
        "a role restriction changed: update ROLE_TABLE (and say why in the commit)"
    users = {role: await make_user(f"as {role}", role=role) for role in ROLES}
    socks = {role: await u.connect(live_app.url) for role, u in users.items()}
    checked = 0
    for event in sorted(EVENTS):
        allowed = ROLE_TABLE.get(event, ROLES)
        for role, sock in socks.items():
            ack = await sock.call(event, {"__probe__": True}, timeout=10)
            refused = (not ack["ok"] and ack["error"]["code"] == "forbidden"
                       and "roles" in ack["error"]["message"])
            assert refused == (role not in allowed), (event, role, ack)
            checked += 1
            if event == "auth:logout":  # it ends the session: a new one
                await sock.close()
                users[role] = await make_user(f"as {role}", role=role)
                socks[role] = await users[role].connect(live_app.url)
    async with aiohttp.ClientSession() as http:
        target = users["user"].id
        for (method, path), allowed in ROUTE_TABLE.items():
            for role, u in users.items():
                async with http.request(method, live_app.url + path.format(user=target),
                                        json={"role": "user"},
                                        headers={"Authorization": f"Bearer {u.token}"}) as r:
                    assert (r.status == 403) == (role not in allowed), (method, path, role)
                checked += 1
            async with http.request(method, live_app.url + path.format(user=target)) as r:
                assert r.status == 401, (method, path, "anonymous")
    print(f"authorization matrix: {checked} role checks")


async def test_relationships_from_one_table(live_app, make_user):
    owner = await make_user("owner", role="creator")
    people = {rel: await make_user(rel) for rel in
              ("member", "follower", "subscriber", "removed", "blocked", "stranger")}
    o = await owner.connect(live_app.url)
    s = {rel: await u.connect(live_app.url) for rel, u in people.items()}
    s["owner"] = o
    ids = {rel: u.id for rel, u in people.items()}
    for rel in ("follower", "subscriber", "removed", "blocked", "member"):
        await s[rel].ok("users:follow", {"user_id": owner.id})
    tier = await o.ok("wallet:tier_set", {"name": "Gold", "price": 500})
    await fund(live_app.state, ids["subscriber"], 1_000)
    await s["subscriber"].ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    streams = {v: await start_live_stream(live_app, o, visibility=v)
               for v in ("public", "followers", "subscribers")}
    for v in streams.values():
        await o.ok("live:remove", {"stream_id": v, "user_id": ids["removed"]})
    await o.ok("users:block", {"user_id": ids["blocked"]})
    circle = await o.ok("circles:create", {"name": "Sahby", "join_policy": "open"})
    await s["member"].ok("circles:join", {"circle_id": circle["id"]})
    conv = (await s["member"].ok("chat:send", {"to": owner.id, "client_id": key(),
                                              "text": "ahlan"}))["conversation_id"]
    post = await o.ok("feed:post", {"body": "lel mota3ben", "visibility": "followers"})
    for rel in people:
        await fund(live_app.state, ids[rel], 1_000)

    async def call(action: str, rel: str) -> str:
        sock = s[rel]
        if action.startswith("live:join"):
            return code_of(await sock.call("live:join",
                                           {"stream_id": streams[action.split()[1]]}))
        if action in ("live:end", "live:remove"):
            extra = {"user_id": ids["stranger"]} if action == "live:remove" else {}
            target = await start_live_stream(live_app, o)
            return code_of(await sock.call(action, {"stream_id": target, **extra}))
        if action == "wallet:tip in stream":
            stream = streams["followers"] if rel != "removed" else streams["public"]
            return code_of(await sock.call("wallet:tip", {
                "creator_id": owner.id, "amount": 100, "idempotency_key": key(),
                "stream_id": stream}))
        if action == "circles:members":
            return code_of(await sock.call(action, {"circle_id": circle["id"]}))
        if action == "circles:invite":
            return code_of(await sock.call(action, {"circle_id": circle["id"],
                                                    "user_id": ids["follower"]}))
        if action == "chat:history":
            return code_of(await sock.call(action, {"conversation_id": conv}))
        if action == "feed:get followers post":
            return code_of(await sock.call("feed:get", {"post_id": post["id"]}))
        raise AssertionError(action)

    checked = 0
    for action, expected in REL_TABLE.items():
        for rel, want in expected.items():
            got = await call(action, rel)
            assert got == want, (action, rel, got)
            checked += 1
    print(f"authorization matrix: {checked} relationship checks")
