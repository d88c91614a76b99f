"""What a live server sends matches http/asyncapi.yaml.

A session of five people (a creator, two fans, a moderator, an admin) drives the socket API
the way the apps do: chat and groups, presence and typing, profiles, follows and circles,
posts, reactions and comments, notifications, tips, subscriptions and top-ups, a live stream,
a report through the moderation queue, recommendations. Every ack (success and failure) and
every push any of their sockets received is validated against the schema the document gives
that event, so a payload that drifts from the document (a key added, renamed, retyped, or
gone) fails here with the event and the difference.
"""
from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import yaml

from tests.support.clients import SocketClient
from tests.wallet_support import fund, key, make_cashout_ready, start_live_stream

ROOT = Path(__file__).resolve().parents[1]
DOC = yaml.safe_load((ROOT / "http" / "asyncapi.yaml").read_text())


def _validator(ref: str) -> jsonschema.Draft202012Validator:
    """A validator for one message payload of the document, its $refs resolved in it."""
    return jsonschema.Draft202012Validator({"$ref": ref, "components": DOC["components"]})


def ack_validators() -> dict[str, tuple[jsonschema.Draft202012Validator, ...]]:
    """event name -> validators of its success ack ({ok: true, data}) and failure ack."""
    out = {}
    for op in DOC["operations"].values():
        if op["action"] != "receive":
            continue
        event = DOC["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
        ack = op["reply"]["messages"][0]["$ref"].rsplit("/", 1)[1]
        out[event] = tuple(_validator(f"#/components/messages/{ack}/payload/oneOf/{i}")
                           for i in (0, 1))
    return out


def push_validators() -> list[tuple[re.Pattern, str, jsonschema.Draft202012Validator]]:
    """(address pattern, address, validator) of every server -> client event."""
    out = []
    for op in DOC["operations"].values():
        if op["action"] != "send":
            continue
        channel = DOC["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]
        address = channel["address"]
        mid = next(iter(channel["messages"]))
        pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[a-z0-9_]+", re.escape(address)) + "$")
        out.append((pattern, address, _validator(f"#/components/messages/{mid}/payload")))
    return out


class Recorder:
    """Every ack of the calls made through it, and (at the end) every push received."""

    def __init__(self) -> None:
        self.acks: list[tuple[str, dict]] = []
        self.socks: list[SocketClient] = []

    def watch(self, sock: SocketClient) -> SocketClient:
        self.socks.append(sock)
        call = sock.call

        async def recorded(event, data=None, timeout=10):
            ack = await call(event, data, timeout)
            self.acks.append((event, ack))
            return ack
        sock.call = recorded
        return sock

    def pushes(self) -> list[tuple[str, object]]:
        out = []
        for sock in self.socks:
            for event, queue in sock.queues.items():
                while not queue.empty():
                    out.append((event, queue.get_nowait()))
        return out


async def test_acks_and_pushes_of_a_live_session_match_the_document(live_app, make_user):
    rec = Recorder()
    creator = await make_user("Salma", role="creator")
    fan = await make_user("Karim")
    friend = await make_user("Nour")
    mod = await make_user("Hoda", role="moderator")
    admin = await make_user("Adel", role="admin")
    c, f, n, m, a = [rec.watch(await u.connect(live_app.url))
                     for u in (creator, fan, friend, mod, admin)]
    ids = {"c": creator.id, "f": fan.id, "n": friend.id}

    # who is who: profiles, follows, presence
    await c.ok("users:update_profile", {"handle": f"salma{key()[:6]}", "bio": "bet3ml aflam"})
    for s in (f, n):
        await s.ok("users:follow", {"user_id": ids["c"]})
    await f.ok("users:profile", {"user_id": ids["c"]})
    await c.ok("users:followers", {})
    await f.ok("users:following", {})
    await n.ok("users:mute", {"user_id": ids["f"]})
    await n.ok("users:unmute", {"user_id": ids["f"]})
    await a.ok("users:verify", {"user_id": ids["c"]})
    await a.ok("trust:explain", {"user_id": ids["c"]})
    await f.ok("presence:subscribe", {"user_ids": [ids["c"], ids["n"]]})
    await c.ok("presence:set", {"status": "away"})
    await c.ok("presence:set", {"status": "online"})

    # chat: a DM, a group, receipts, typing, edits
    sent = await f.ok("chat:send", {"to": ids["c"], "client_id": key(), "text": "ezayek ya Salma"})
    conv = sent["conversation_id"]
    await f.ok("chat:send", {"conversation_id": conv, "client_id": key(), "text": "fi gdid?",
                             "reply_to": sent["seq"]})
    await c.ok("typing:start", {"conversation_id": conv})
    await c.ok("typing:stop", {"conversation_id": conv})
    await c.ok("chat:read", {"conversation_id": conv, "seq": sent["seq"]})
    await c.ok("chat:delivered", {"conversation_id": conv, "seq": sent["seq"]})
    await f.ok("chat:edit", {"conversation_id": conv, "seq": sent["seq"], "text": "ezayek?"})
    await c.ok("chat:history", {"conversation_id": conv})
    await c.ok("chat:sync", {"conversations": [{"conversation_id": conv, "last_seq": 0,
                                               "last_rev": 0}]})
    await f.ok("chat:conversations", {})
    group = await c.ok("chat:create_group", {"title": "el shella", "member_ids": [ids["f"]]})
    await c.ok("chat:add_members", {"conversation_id": group["id"], "user_ids": [ids["n"]]})
    await c.ok("chat:rename", {"conversation_id": group["id"], "title": "el shella el gdida"})
    await c.ok("chat:set_admin", {"conversation_id": group["id"], "user_id": ids["f"],
                                  "admin": True})
    await c.ok("chat:remove_member", {"conversation_id": group["id"], "user_id": ids["n"]})
    await f.ok("chat:leave", {"conversation_id": group["id"]})
    await f.ok("chat:delete", {"conversation_id": conv, "seq": sent["seq"]})
    await f.ok("presence:unsubscribe", {"user_ids": [ids["c"]]})

    # posts, reactions, comments, circles, notifications
    post = await c.ok("feed:post", {"body": "film gdid el leila", "visibility": "public"})
    pid = post["id"]
    await f.ok("feed:watch", {"post_id": pid})
    await f.ok("interactions:react", {"target_id": pid, "kind": "love"})
    comment = await f.ok("interactions:comment", {"post_id": pid, "body": "gamed awi"})
    await c.ok("interactions:comment", {"post_id": pid, "body": "shokran",
                                        "parent_id": comment["id"]})
    await n.ok("interactions:comments", {"post_id": pid})
    await c.ok("interactions:react", {"target_id": comment["id"], "target_kind": "comment",
                                      "kind": "like"})
    await c.ok("interactions:unreact", {"target_id": comment["id"], "target_kind": "comment"})
    await c.ok("feed:edit", {"post_id": pid, "body": "film gdid el leila di"})
    await f.ok("feed:get", {"post_id": pid})
    await f.ok("feed:home", {})
    await f.ok("feed:profile", {"user_id": ids["c"]})
    await f.ok("feed:trending", {})
    circle = await c.ok("circles:create", {"name": "el aqrab", "join_policy": "approval"})
    await c.ok("circles:invite", {"circle_id": circle["id"], "user_id": ids["f"]})
    await f.ok("circles:join", {"circle_id": circle["id"]})
    await n.ok("circles:join", {"circle_id": circle["id"]})
    await c.ok("circles:approve", {"circle_id": circle["id"], "user_id": ids["n"]})
    await c.ok("circles:set_role", {"circle_id": circle["id"], "user_id": ids["f"],
                                    "role": "admin"})
    await c.ok("circles:members", {"circle_id": circle["id"]})
    await f.ok("circles:get", {"circle_id": circle["id"]})
    await f.ok("circles:mine", {})
    await c.ok("feed:post", {"body": "lel aqrab bas", "visibility": "circle",
                             "circle_id": circle["id"]})
    await n.ok("feed:circle", {"circle_id": circle["id"]})
    await c.ok("feed:post", {"body": "story el nharda", "story": True})
    await f.ok("feed:stories", {})
    await c.ok("circles:remove", {"circle_id": circle["id"], "user_id": ids["n"]})
    await f.ok("circles:leave", {"circle_id": circle["id"]})
    await c.ok("notifications:list", {})
    await c.ok("notifications:unread", {})
    await c.ok("notifications:read", {})

    # money: a tier and a subscription, a tip, a top-up, a cash-out
    await fund(live_app.state, ids["f"], 50_000)
    tier = await c.ok("wallet:tier_set", {"name": "Dahab", "price": 500})
    await f.ok("wallet:tiers", {"creator_id": ids["c"]})
    sub = await f.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    await f.ok("wallet:subscriptions", {})
    await f.ok("wallet:unsubscribe", {"subscription_id": sub["subscription_id"]})
    await f.ok("wallet:tip", {"creator_id": ids["c"], "amount": 20_000,
                              "idempotency_key": key(), "message": "brava"})
    await f.ok("wallet:balance", {})
    await f.ok("wallet:history", {})
    await f.ok("wallet:topup", {"provider": "fawry", "amount": 10_000, "idempotency_key": key()})
    insta = await f.ok("wallet:topup", {"provider": "instapay", "amount": 5_000,
                                        "idempotency_key": key()})
    await a.ok("wallet:instapay_confirm", {"payment_id": insta["payment_id"],
                                           "bank_reference": "IPN123456", "amount": 5_000})
    await make_cashout_ready(live_app.state.db, ids["c"])
    cashout = await c.ok("wallet:cashout", {"amount": 5_000, "method": "mobile_wallet",
                                            "destination": "01012345678",
                                            "idempotency_key": key()})
    await c.ok("wallet:cashout_status", {"cashout_id": cashout["cashout_id"]})
    await a.ok("wallet:cashout_review", {"cashout_id": cashout["cashout_id"],
                                         "decision": "approve"})
    today = date.today()
    await c.ok("wallet:metrics", {"since": (today - timedelta(days=7)).isoformat(),
                                  "until": today.isoformat()})

    # live: a stream, viewers, chat, a pin, reactions, a tip in the stream, the end
    created = await c.ok("live:create", {"title": "sahret el gom3a"})
    await c.ok("live:end", {"stream_id": created["stream"]["id"]})
    stream = await start_live_stream(live_app, c)
    await f.ok("live:get", {"stream_id": stream})
    await f.ok("live:join", {"stream_id": stream})
    await n.ok("live:join", {"stream_id": stream})
    said = await f.ok("live:chat", {"stream_id": stream, "text": "el soura wadha gedan"})
    assert said["status"] == "visible", said  # a held message cannot be pinned
    await c.ok("live:pin", {"stream_id": stream, "message_id": said["id"]})
    await f.ok("live:react", {"stream_id": stream, "reaction": "fire"})
    await f.ok("wallet:tip", {"creator_id": ids["c"], "amount": 500, "stream_id": stream,
                              "idempotency_key": key()})
    await c.ok("live:remove", {"stream_id": stream, "user_id": ids["n"]})
    await f.ok("live:leave", {"stream_id": stream})
    await asyncio.sleep(4.5)  # viewer counts and reactions go out on the 2 s live tick
    await c.ok("live:end", {"stream_id": stream})

    # moderation: a report through the queue, a decision, an appeal
    bad = await n.ok("feed:post", {"body": "kalam 3ady gedan", "visibility": "public"})
    await f.ok("interactions:report", {"target_kind": "post", "target_id": bad["id"],
                                       "reason": "spam"})
    report = await c.ok("mod:report", {"target_type": "post", "target_id": bad["id"],
                                       "reason": "spam"})
    await m.ok("mod:queue", {})
    item = report["item_id"]
    await m.ok("mod:claim", {"item_id": item})
    await m.ok("mod:release", {"item_id": item})
    await m.ok("mod:claim", {"item_id": item})
    await m.ok("mod:decide", {"item_id": item, "decision": "warn", "note": "khally balak"})
    await n.ok("mod:standing", {})
    await n.ok("mod:appeal", {"item_id": item, "text": "da kalam 3ady"})
    await m.ok("mod:leave", {})

    # recommendations, system, sessions
    await f.ok("recommend:catalogue", {})
    await f.ok("recommend:interests", {"interests": ["music", "football"]})
    await f.ok("recommend:feedback", {"post_id": pid, "kind": "like"})
    await f.ok("feed:for_you", {})
    await f.ok("system:ping", {})
    await a.ok("system:announce", {"event": "maintenance", "data": {"at": "02:00"}})
    await f.ok("auth:sessions", {})
    await f.ok("media:list", {})
    await f.call("media:get", {"media_id": key()})  # someone else's / none: a failure ack
    await n.ok("users:unfollow", {"user_id": ids["c"]})
    await n.ok("users:block", {"user_id": ids["f"]})
    await n.ok("users:unblock", {"user_id": ids["f"]})
    await f.ok("interactions:delete_comment", {"comment_id": comment["id"]})
    await f.ok("feed:unwatch", {"post_id": pid})
    await c.ok("feed:delete", {"post_id": pid})
    await f.call("chat:send", {"client_id": "", "text": "bad"})  # a failure ack too
    await asyncio.sleep(0.5)  # the last pushes
    await n.ok("auth:logout", {})

    acks, pushes = ack_validators(), push_validators()
    drift = []
    for event, ack in rec.acks:
        for err in acks[event][0 if ack.get("ok") is True else 1].iter_errors(ack):
            drift.append(f"ack of {event}: {err.message[:300]} at {list(err.absolute_path)}")
    pushed, received = set(), rec.pushes()
    for event, payload in received:
        match = [(address, v) for pattern, address, v in pushes if pattern.match(event)]
        if not match:
            drift.append(f"push {event}: not in the document")
            continue
        pushed.add(match[0][0])
        for err in match[0][1].iter_errors(payload):
            drift.append(f"push {event}: {err.message[:300]} at {list(err.absolute_path)}")
    assert not drift, f"{len(drift)} payloads differ from http/asyncapi.yaml:\n" + \
        "\n".join(sorted(set(drift))[:60])
    succeeded = {e for e, ack in rec.acks if ack.get("ok")}
    missing = set(acks) - succeeded
    print(f"contract: {len(rec.acks)} acks of {len(succeeded)} events, "
          f"{len(received)} pushes of {len(pushed)} kinds validated; "
          f"never answered ok here: {sorted(missing)}")
    assert len(succeeded) >= 100, f"the session no longer reaches {sorted(missing)}"
    assert len(pushed) >= 24, f"the session received only these pushes: {sorted(pushed)}"
