"""The review queue's decisions become labelled examples (`python -m server
moderation-labels`) that the evaluation and the trainer read: what users really write,
decided by moderators through sockets."""
from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from handlers.moderation.labels import language_of

ROOT = Path(__file__).resolve().parents[1]
SCAM = "ابعتلي الكود اللي جالك على الواتس بسرعة"
# a threat said sideways: the gate lets it through, the recipient reports it as harassment
VEILED = "you should really check your brakes before driving tomorrow"


def cid() -> str:
    return uuid.uuid4().hex


async def _labels(settings, tmp_path: Path, *args: str) -> tuple[list[list[str]], dict, Path]:
    from tests.support.stores import settings_env

    out = tmp_path / "queue.tsv"
    if not out.exists():
        out.write_text("older export\n")  # a file left readable by others is made private
        out.chmod(0o644)
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "moderation-labels", "--out", str(out),
                         *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return rows, json.loads(done.stderr.strip().splitlines()[-1]), out


async def test_decided_queue_items_become_labelled_examples_the_eval_reads(
        live_app, make_user, settings, tmp_path):
    alice, bob = await make_user("alice"), await make_user("bob")
    mod = await make_user("mod", role="moderator")
    a, b, m = [await u.connect(live_app.url) for u in (alice, bob, mod)]
    await m.ok("mod:queue", {})

    async def held_item(change: str = "held") -> dict:
        """The next item to enter the queue (the pushes of decisions come between)."""
        for _ in range(4):
            ev = await m.next("mod:item")
            if ev["change"] == change:
                return ev["item"]
        raise AssertionError(f"no {change!r} item pushed")

    hello = await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "ezayak ya bob"})
    conv = hello["conversation_id"]
    # 1. the gate holds a scam; the moderator finds it harmless: a false hold, benign
    assert (await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": SCAM}))["held"] is True
    scam = await held_item()
    await m.ok("mod:decide", {"item_id": scam["id"], "decision": "restore"})
    # 2. the gate lets a veiled threat through; bob reports it as harassment, the moderator
    #    removes it as what it is: a threat
    veiled = await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                      "text": VEILED})
    assert veiled["held"] is False
    rep = await b.ok("mod:report", {"target_type": "chat_message", "target_id": veiled["id"],
                                    "reason": "harassment"})
    assert (await held_item("reported"))["category"] == "insult"  # what the report's reason stands for
    decided = await m.ok("mod:decide", {"item_id": rep["item_id"], "decision": "remove",
                                        "category": "threat"})
    assert decided["category"] == "threat"
    # 3. held as an insult and removed: the gate's category stands
    assert (await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": "ya 7mar"}))["held"] is True
    insult = await held_item()
    await m.ok("mod:decide", {"item_id": insult["id"], "decision": "remove"})
    # 4. removed, then appealed: not a label while the appeal waits
    assert (await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": "ya ebn el kalb"}))["held"] is True
    appealed = await held_item()
    await m.ok("mod:decide", {"item_id": appealed["id"], "decision": "remove"})
    await a.ok("mod:appeal", {"item_id": appealed["id"], "text": "kont ba hazar"})
    # 5. an open item is not a label
    assert (await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": "enta 7mar"}))["held"] is True

    rows, summary, path = await _labels(settings, tmp_path)
    assert sorted(rows) == sorted([
        ["auto", "benign", "hard", "ar", "dm", SCAM],
        ["report", "threat", "abuse", "en", "dm", VEILED],
        ["auto", "insult", "abuse", "franco", "dm", "ya 7mar"],
    ])
    assert summary == {"examples": 3, "by_label": {"benign": 1, "insult": 1, "threat": 1},
                       "left_out": {}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # users' words: its owner only

    # the evaluation reads it and counts what users met: the false hold and the missed threat
    from scripts.eval_moderation import configurations, evaluate, load_eval

    rep = evaluate(configurations()["all three"], load_eval(path, split=None))
    assert (rep.benign, rep.benign_flagged, rep.hard_flagged) == (1, 1, 1)
    assert (rep.per_category["threat"].tp, rep.per_category["threat"].fn) == (0, 1)
    assert rep.per_category["insult"].tp == 1

    # the appeal, once overturned, is a label: benign, and hard (the gate had held it)
    await m.ok("mod:decide", {"item_id": appealed["id"], "decision": "restore"})
    rows, summary, _ = await _labels(settings, tmp_path)
    assert ["auto", "benign", "hard", "franco", "dm", "ya ebn el kalb"] in rows
    assert summary["examples"] == 4


async def test_a_decision_names_only_a_known_category_and_never_on_a_restore(
        live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    mod = await make_user("mod", role="moderator")
    a, m = await alice.connect(live_app.url), await mod.connect(live_app.url)
    await m.ok("mod:queue", {})
    assert (await a.ok("chat:send", {"to": bob.id, "client_id": cid(),
                                     "text": "ya 7mar"}))["held"] is True
    item = (await m.next("mod:item"))["item"]
    for bad in ({"decision": "remove", "category": "rude"},
                {"decision": "restore", "category": "insult"}):
        ack = await m.call("mod:decide", {"item_id": item["id"], **bad})
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_category"
    # nothing was half-decided: the item is still open, and a good decision goes through
    queue = (await m.ok("mod:queue", {}))["items"]
    assert [(i["id"], i["status"], i["category"]) for i in queue] == [
        (item["id"], "open", "insult")]
    done = await m.ok("mod:decide", {"item_id": item["id"], "decision": "warn",
                                     "category": "hate"})
    assert (done["decision"], done["category"]) == ("warn", "hate")


async def test_the_export_leaves_out_erased_text_and_splits_by_time(settings, db, tmp_path):
    async with db.acquire() as conn:
        for text, when in (("ya 7mar", "2026-01-01"), ("ya 7ayawan", "2026-06-01"),
                           ("", "2026-06-02")):
            await conn.execute(
                "INSERT INTO mod_items (target_type, target_id, text_snapshot, source, status,"
                " decision, decided_at, category) VALUES ('post', $1, $2, 'auto', 'decided',"
                " 'remove', $3::text::timestamptz, 'insult')", cid(), text, when)
        await conn.execute(
            "INSERT INTO mod_items (target_type, target_id, text_snapshot, source, status,"
            " decision, decided_at, category) VALUES ('post', $1, '0101 234 5678', 'auto',"
            " 'decided', 'remove', '2026-06-03', 'privacy')", cid())
    rows, summary, _ = await _labels(settings, tmp_path, "--since", "2026-05-01")
    assert rows == [["auto", "insult", "abuse", "franco", "post", "ya 7ayawan"]]
    # an erased author's text is '' and never leaves; privacy is no class of the model
    assert summary["left_out"] == {"category_privacy": 1}
    rows, _, _ = await _labels(settings, tmp_path, "--until", "2026-05-01")
    assert [r[5] for r in rows] == ["ya 7mar"]
    async with db.acquire() as conn:
        audits = await conn.fetch("SELECT actor_role, details FROM pdpl_audit"
                                  " WHERE action = 'mod_labels_export' ORDER BY id")
    assert [a["actor_role"] for a in audits] == ["operator", "operator"]
    assert [a["details"] for a in audits] == [
        {"items": 2, "examples": 1, "since": "2026-05-01T00:00:00+00:00", "until": None},
        {"items": 1, "examples": 1, "since": None, "until": "2026-05-01T00:00:00+00:00"}]


async def test_allowed_public_content_is_sampled_for_review_and_private_chat_never(
        settings, make_user, tmp_path):
    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(moderation_sample_rate=1.0)).start()
    try:
        alice, bob = await make_user("alice"), await make_user("bob")
        mod = await make_user("mod", role="moderator")
        a, b, m = [await u.connect(app.url) for u in (alice, bob, mod)]
        await m.ok("mod:queue", {})
        post = await a.ok("feed:post", {"body": "el match el naharda kan gamed awi"})
        ev = await m.next("mod:item")
        assert ev["change"] == "sampled"
        assert (ev["item"]["source"], ev["item"]["target_type"], ev["item"]["target_id"]) == (
            "sample", "post", post["id"])
        sampled_post = ev["item"]["id"]
        # neither a followers-only post nor a private message is ever shown to moderators
        await a.ok("feed:post", {"body": "sora men el sa7el", "visibility": "followers"})
        await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "hatigi bokra?"})
        comment = await b.ok("interactions:comment", {"post_id": post["id"], "body": VEILED})
        ev = await m.next("mod:item")
        assert (ev["change"], ev["item"]["target_type"], ev["item"]["target_id"]) == (
            "sampled", "comment", comment["id"])
        assert await m.nothing("mod:item", 0.3)
        # live chat: sampled in a public stream, never in a followers-only one
        for visibility, sampled in (("followers", False), ("public", True)):
            sid = (await a.ok("live:create", {"title": "ahlan",
                                              "visibility": visibility}))["stream"]["id"]
            await a.ok("live:join", {"stream_id": sid})
            said = await a.ok("live:chat", {"stream_id": sid, "text": "ahlan beekom"})
            if sampled:
                got = (await m.next("mod:item"))["item"]
                assert (got["target_type"], got["target_id"]) == ("live_chat", str(said["id"]))
            else:
                assert await m.nothing("mod:item", 0.3)
            await a.ok("live:end", {"stream_id": sid})
        comment_item = ev["item"]
        # what the gate or a user flagged comes first; the samples wait behind it
        assert (await a.ok("chat:send", {"to": bob.id, "client_id": cid(),
                                         "text": "ya 7mar"}))["held"] is True
        queue = (await m.ok("mod:queue", {}))["items"]
        assert [i["source"] for i in queue] == ["auto", "sample", "sample", "sample"]
        await m.ok("mod:decide", {"item_id": queue[0]["id"], "decision": "remove"})
        assert (await a.next("mod:decision"))["decision"] == "remove"
        # the sample is decided like any item: fine, and a threat nobody reported
        await m.ok("mod:decide", {"item_id": sampled_post, "decision": "restore"})
        await m.ok("mod:decide", {"item_id": comment_item["id"], "decision": "remove",
                                  "category": "threat"})
        # the comment's author is told it was removed; a post found fine tells its author
        # nothing (it never changed for anyone)
        assert (await b.next("mod:decision"))["decision"] == "remove"
        assert await a.nothing("mod:decision", 0.3)
    finally:
        await app.stop()
    rows, summary, path = await _labels(settings, tmp_path)
    assert sorted(rows) == [
        ["auto", "insult", "abuse", "franco", "dm", "ya 7mar"],
        ["sample", "benign", "chat", "franco", "post", "el match el naharda kan gamed awi"],
        ["sample", "threat", "abuse", "en", "comment", VEILED]]
    from scripts.eval_moderation import configurations, evaluate, load_eval

    rep = evaluate(configurations()["all three"], load_eval(path, split="sample"))
    assert (rep.benign, rep.benign_flagged) == (1, 0)
    assert rep.per_category["threat"].fn == 1  # the gate's miss, seen only through the sample


async def test_a_sample_that_cannot_be_queued_never_fails_the_post(settings, db, make_user):
    """The post is stored and acknowledged before it is drawn for review: a store error
    while queueing the sample loses the sample, not the post."""
    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(moderation_sample_rate=1.0)).start()
    try:
        alice = await make_user("alice")
        a = await alice.connect(app.url)
        async with db.acquire() as conn:  # the queue's table refuses every write
            await conn.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$BEGIN RAISE EXCEPTION 'queue down'; END$$")
            await conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON mod_items"
                               " FOR EACH ROW EXECUTE FUNCTION refuse()")
        post = await a.ok("feed:post", {"body": "sabah el kheir ya gama3a"})
        assert post["status"] == "published"
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM posts") == 1
            assert await conn.fetchval("SELECT count(*) FROM mod_items") == 0
    finally:
        await app.stop()


def _decided(metrics: str) -> dict[tuple[str, str, str], float]:
    """sawt_moderation_decisions_total by (surface, action, category), from /metrics."""
    out = {}
    for line in metrics.splitlines():
        if line.startswith("sawt_moderation_decisions_total{"):
            labels = dict(part.split("=") for part in line[line.index("{") + 1:
                                                          line.index("}")].split(","))
            key = tuple(labels[k].strip('"') for k in ("surface", "action", "category"))
            out[key] = float(line.split()[-1])
    return out


async def test_operators_see_how_many_texts_the_gate_decided_per_surface(live_app, make_user):
    """The denominator the queue's decisions need: a false-hold rate is the holds moderators
    restored over every text the gate saw on that surface."""
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    for text in ("ezayak ya bob", "hatigi bokra?", "ya 7mar"):
        await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": text})
    assert (await a.call("chat:send", {"to": bob.id, "client_id": cid(),
                                       "text": "والله لاجيبك واقطعك"}))["ok"] is False
    await a.ok("feed:post", {"body": "sabah el kheir"})
    counts = _decided(live_app.state.metrics.render().decode())
    assert counts[("dm", "allow", "none")] == 2
    assert counts[("dm", "hold", "insult")] == 1
    assert counts[("dm", "block", "threat")] == 1
    assert counts[("post", "allow", "none")] == 1


def test_a_sample_rate_outside_0_to_1_is_refused(monkeypatch):
    from server.config import Settings

    monkeypatch.setenv("MODERATION_SAMPLE_RATE", "5")
    with pytest.raises(ValueError, match="MODERATION_SAMPLE_RATE must be between 0 and 1"):
        Settings.from_env()
    monkeypatch.setenv("MODERATION_SAMPLE_RATE", "0.01")
    assert Settings.from_env().moderation_sample_rate == 0.01


@pytest.mark.parametrize(("text", "lang"), [
    ("ابعتلي الكود", "ar"), ("ana 3ayez a3raf", "franco"), ("ya 7mar", "franco"),
    ("see you tomorrow", "en"), ("يا 7mar", "mixed"), ("el match bokra", "franco")])
def test_the_language_guess_reads_the_script(text, lang):
    assert language_of(text) == lang


def test_the_trainer_takes_extra_labelled_rows_and_refuses_an_unknown_label(tmp_path):
    from scripts.train_moderation_model import CLASSES, load

    base = len(load()[1])
    extra = tmp_path / "queue.tsv"
    extra.write_text("# header\nqueue\tthreat\tabuse\ten\tdm\tcheck your brakes tomorrow\n"
                     "queue\tbenign\thard\tar\tdm\tهقتلك لو كلت الحتة بتاعتي\n", "utf-8")
    feats, y, _ = load([extra])
    assert len(y) == base + 2
    assert [CLASSES[i] for i in y[-2:]] == ["threat", "benign"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("queue\trude\tabuse\ten\tdm\tx\n", "utf-8")
    with pytest.raises(SystemExit, match="unknown label 'rude'"):
        load([bad])
    short = tmp_path / "short.tsv"
    short.write_text("queue\tthreat\tx\n", "utf-8")
    with pytest.raises(SystemExit, match="3 columns, expected 6"):
        load([short])


def test_a_fraction_of_the_training_data_keeps_each_sentence_with_its_variants():
    """`train_moderation_model.py --fraction` (a learning curve): about that share of the
    examples, and a typed variant ("... 😂") is cut with the sentence it was made from."""
    from scripts.eval_moderation import load_eval
    from scripts.train_moderation_model import load, sentence_keys

    full = len(load()[1])
    half = len(load(fraction=0.5)[1])
    assert 0.4 * full < half < 0.6 * full
    texts = [r.text for r in load_eval(split="dev")]
    keys = dict(zip(texts, sentence_keys(texts)))
    variant = next(t for t in texts if t.endswith(" 😂") and t[:-2] in keys)
    assert keys[variant] == keys[variant[:-2]]
