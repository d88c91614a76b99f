"""Category policies end to end through sockets: a scam in a DM is held and its recipient
warned (`chat:warning`); a threat is refused and reaches the moderators first."""
from __future__ import annotations

import uuid

SCAM = "ابعتلي الكود اللي جالك على الواتس بسرعة"


def cid() -> str:
    return uuid.uuid4().hex


async def test_a_scam_in_a_dm_is_held_and_the_recipient_is_warned_without_its_text(
        live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    hello = await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "ezayak ya bob"})
    assert (await b.next("chat:message"))["text"] == "ezayak ya bob"
    assert await b.nothing("chat:warning")  # ordinary text warns nobody
    sent = await a.ok("chat:send", {"conversation_id": hello["conversation_id"],
                                    "client_id": cid(), "text": SCAM})
    assert sent["held"] is True
    warning = await b.next("chat:warning")
    assert warning["sender_id"] == alice.id and warning["category"] == "scam"
    assert warning["conversation_id"] == hello["conversation_id"]
    assert "الكود اللي جالك" not in str(warning) and "code" in warning["message"]
    assert await b.nothing("chat:message")  # the held message itself never reaches him
    assert await a.nothing("chat:warning")  # the sender is not warned about herself
    assert (await a.next("chat:message"))["text"] == "ezayak ya bob"
    mine = await a.next("chat:message")  # her own devices see it, marked held
    assert mine["held"] is True and mine["text"] == SCAM


async def test_a_threat_is_refused_and_queued_ahead_of_older_items(live_app, make_user):
    sender, target = await make_user("sender"), await make_user("target")
    mod = await make_user("mod", role="moderator")
    s, t, m = (await sender.connect(live_app.url), await target.connect(live_app.url),
               await mod.connect(live_app.url))
    await m.ok("mod:queue", {})
    insult = await s.ok("chat:send", {"to": target.id, "client_id": cid(), "text": "ya 7mar"})
    assert insult["held"] is True
    held = (await m.next("mod:item"))["item"]
    assert (held["category"], held["priority"]) == ("insult", 0)
    ack = await s.call("chat:send", {"to": target.id, "client_id": cid(),
                                     "text": "والله لاجيبك واقطعك"})
    assert ack["ok"] is False and ack["error"]["code"] == "message_blocked"
    ev = await m.next("mod:item")
    item = ev["item"]
    assert ev["change"] == "held" and item["category"] == "threat" and item["priority"] == 2
    assert item["author_id"] == sender.id and item["target_type"] == "blocked_dm"
    assert item["text_snapshot"] == "والله لاجيبك واقطعك"
    assert await t.nothing("chat:message", 0.3)  # the target never receives it
    queue = (await m.ok("mod:queue", {}))["items"]
    assert [i["id"] for i in queue[:2]] == [item["id"], held["id"]]
    # a moderator can act on its author although there is no stored message to remove
    decided = await m.ok("mod:decide", {"item_id": item["id"], "decision": "warn"})
    assert decided["acted_on_content"] is False
    assert (await s.ok("mod:standing", {}))["warnings"] == 1
