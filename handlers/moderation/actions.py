"""Reports, the review queue, moderator decisions and appeals.

Flow: a user reports content (`do_report`) or another domain holds it after the gate said
"hold" (`do_hold_for_review`); either way one item per (target_type, target_id) enters the
queue. Moderators in the `mod:queue` room see every change live (`mod:item`): new items,
another moderator taking one (`do_claim`), decisions (`do_decide`: remove / warn / suspend /
restore). The author hears the decision (`mod:decision`) and may appeal once (`do_appeal`);
the appeal returns the item to the queue, and the next decision upholds or overturns it.
Upheld reports count for the reporters (`mod_standing`) and against the author (strikes, and
a `trust_signals` row when the users domain's trust table exists).
Every claim and decision is written to the PDPL audit log (staff access to personal data).
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import structlog

from handlers.moderation import queries as q
from handlers.moderation.decision import FINDINGS, Decision
from handlers.moderation.policy import REPORT_PRIORITY, surface_of
from handlers.moderation.targets import TARGETS, after_decision, apply, snapshot, table_exists
from rooms.names import mod_queue_room, user_room
from rooms.ratelimit import check_rate
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.payloads import to_builtins
from server.state import AppState

log = structlog.get_logger("moderation")

REASONS = ("spam", "harassment", "hate", "sexual", "violence", "self_harm", "scam", "doxxing",
           "impersonation", "other")
DECISIONS = ("remove", "warn", "suspend", "restore")
# the gate's category a report reason stands for (the rest keep no category)
_REPORT_CATEGORY = {"spam": "spam", "harassment": "insult", "hate": "hate", "sexual": "sexual",
                    "violence": "threat", "self_harm": "self_harm", "scam": "scam",
                    "doxxing": "privacy"}
_draw = random.Random()  # which allowed public texts moderators see (not a secret)
CLAIM_EXPIRES = timedelta(minutes=15)  # a claim left this long may be taken by another
DEFAULT_SUSPEND_HOURS = 72


def item_json(row: Any) -> dict:
    d = dict(row)
    d.pop("created", None)
    return to_builtins(d)


def _uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise BadRequest(f"{what} is not a valid id", code="invalid_payload") from None


async def audit(conn, *, actor_id: str | None, actor_role: str | None, action: str,
                subject_id: str | None, target_type: str | None = None,
                target_id: str | None = None, details: dict | None = None) -> None:
    """Append to the PDPL audit log (call inside the transaction of the thing audited)."""
    await conn.execute(q.AUDIT, actor_id, actor_role, action, subject_id, target_type,
                       target_id, details or {})


# ---------------------------------------------------------------- entering the queue

async def check_report(state: AppState, reporter_id: str, target_type: str, target_id: str,
                       reason: str) -> None:
    if reason not in REASONS:
        raise BadRequest(f"reason must be one of {', '.join(REASONS)}", code="invalid_reason")
    await check_rate(state, "mod:report", reporter_id, "30/hour",
                     message="Too many reports; try again later")


async def do_report(state: AppState, reporter_id: str, *, target_type: str, target_id: str,
                    reason: str, note: str = "") -> dict:
    """File a report on content this server holds: text and author always come from the
    owning table (a reporter cannot put words in someone's mouth); a target type with no
    table here cannot be reported."""
    async with transaction(state.db, state.emitter) as tx:
        known, author_id, text = await snapshot(tx.conn, target_type, target_id)
        if not known:
            raise BadRequest(f"{target_type[:40]!r} content cannot be reported here; report "
                             f"one of: {', '.join(sorted(TARGETS))}", code="invalid_target")
        if text is None:
            raise NotFound("No such content to report", code="target_not_found")
        source_of_text = "server"
        if author_id == reporter_id:
            raise BadRequest("You cannot report your own content", code="own_content")
        item = await tx.conn.fetchrow(q.UPSERT_ITEM, target_type, target_id, author_id, text,
                                      source_of_text, "report", None, _REPORT_CATEGORY.get(reason),
                                      REPORT_PRIORITY.get(reason, 0))
        added = await tx.conn.fetchval(q.INSERT_REPORT, item["id"], reporter_id, reason,
                                       note[:500])
        if added is None:
            raise Conflict("You already reported this", code="already_reported")
        item = await tx.conn.fetchrow(q.BUMP_REPORT_COUNT, item["id"])
        data = item_json(item)
        tx.emit("mod:item", {"change": "reported", "item": data}, room=mod_queue_room())
    return {"report_id": added, "item_id": data["id"]}


async def do_hold_for_review(state: AppState, *, target_type: str, target_id: str,
                             author_id: str | None, text: str,
                             decision: Decision | None = None, conn=None) -> str:
    """Queue content the gate held (call after storing it as held). Returns the item id.

    Pass `conn` to enqueue inside your own transaction (the queue update then goes out
    when the moderators next load the queue); without it the queue hears it live."""
    auto = None if decision is None else {"action": decision.action, "layer": decision.layer,
                                          "reason": decision.reason, "score": decision.score,
                                          "category": decision.category}
    args = (target_type, str(target_id), author_id, text[:5000], "server", "auto", auto,
            None if decision is None else decision.category,
            0 if decision is None else decision.priority)
    if conn is not None:
        item = await conn.fetchrow(q.UPSERT_ITEM, *args)
        return item["id"]
    return await _enqueue(state, args, "held")


async def _enqueue(state: AppState, args: tuple, change: str) -> str:
    """One item into the queue (UPSERT_ITEM's arguments), pushed to the open queues."""
    async with transaction(state.db, state.emitter) as tx:
        item = await tx.conn.fetchrow(q.UPSERT_ITEM, *args)
        tx.emit("mod:item", {"change": change, "item": item_json(item)}, room=mod_queue_room())
    return item["id"]


async def do_sample_for_review(state: AppState, *, target_type: str, target_id: str,
                               author_id: str | None, text: str) -> str | None:
    """Show moderators, at random, public content the gate allowed (call after storing it):
    `MODERATION_SAMPLE_RATE` of it enters the queue as source `sample`. Their decisions on
    the sample measure what the gate lets through (labels.py); held and reported items alone
    never show a miss nobody reported. Private chat is never sampled. Returns the item id
    when this one was drawn."""
    rate = state.settings.moderation_sample_rate
    if rate <= 0 or not text.strip() or _draw.random() >= rate:
        return None
    try:  # the content is already stored and acknowledged: a lost sample loses nothing
        return await _enqueue(state, (target_type, str(target_id), author_id, text[:5000],
                                      "server", "sample", None, None, 0), "sampled")
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("moderation_sample_lost", target_type=target_type, error=repr(exc)[:200])
        return None


async def do_queue_blocked(state: AppState, *, author_id: str | None, text: str,
                           decision: Decision, context: str) -> str:
    """Queue a text the gate blocked but a person must still see (a threat): it was never
    stored, so the item is its own record (target_type `blocked_<surface>`). Moderators can
    warn or suspend its author; there is no content to remove."""
    return await do_hold_for_review(
        state, target_type=f"blocked_{surface_of(context)}", target_id=uuid.uuid4().hex,
        author_id=author_id, text=text, decision=decision)


# ---------------------------------------------------------------- working the queue

async def do_queue(state: AppState, limit: int = 50) -> list[dict]:
    rows = await state.db.fetch(q.QUEUE, max(1, min(limit, 200)))
    return [item_json(r) for r in rows]


async def _locked_item(conn, item_id: str):
    row = await conn.fetchrow(q.GET_ITEM_FOR_UPDATE, _uuid(item_id, "item_id"))
    if row is None:
        raise NotFound("No such item in the review queue", code="item_not_found")
    return row


def _open_for_review(row) -> bool:
    return row["status"] != "decided" or row["appeal_status"] == "pending"


def _claimed_by_other(row, moderator_id: str) -> bool:
    if row["status"] != "claimed" or row["claimed_by"] in (None, moderator_id):
        return False
    return datetime.now(timezone.utc) - row["claimed_at"] < CLAIM_EXPIRES


async def do_claim(state: AppState, moderator_id: str, role: str, item_id: str) -> dict:
    """Take an item; other moderators see it taken at once. Audited (staff access)."""
    async with transaction(state.db, state.emitter) as tx:
        row = await _locked_item(tx.conn, item_id)
        if not _open_for_review(row):
            raise Conflict("This item was already decided", code="already_decided")
        if _claimed_by_other(row, moderator_id):
            raise Conflict("Another moderator is working on this item", code="already_claimed")
        row = await tx.conn.fetchrow(q.CLAIM, row["id"], moderator_id)
        await audit(tx.conn, actor_id=moderator_id, actor_role=role, action="mod_claim",
                    subject_id=row["author_id"], target_type=row["target_type"],
                    target_id=row["target_id"], details={"item_id": row["id"]})
        data = item_json(row)
        tx.emit("mod:item", {"change": "claimed", "item": data}, room=mod_queue_room())
    return data


async def do_release(state: AppState, moderator_id: str, item_id: str) -> dict:
    async with transaction(state.db, state.emitter) as tx:
        row = await _locked_item(tx.conn, item_id)
        if row["status"] != "claimed" or row["claimed_by"] != moderator_id:
            raise Conflict("You do not hold this item", code="not_claimed")
        row = await tx.conn.fetchrow(q.RELEASE, row["id"])
        data = item_json(row)
        tx.emit("mod:item", {"change": "released", "item": data}, room=mod_queue_room())
    return data


async def _record_upheld(conn, row, author: str | None, decision: str,
                         suspended_until) -> None:
    reporters = [r["reporter_id"] for r in await conn.fetch(q.SET_REPORT_OUTCOME, row["id"],
                                                           "upheld")]
    if reporters:
        await conn.execute(q.STANDING_REPORTERS, reporters, 1, 0)
    if author is None:
        return
    await conn.execute(q.STANDING_AUTHOR, author, 0 if decision == "warn" else 1,
                       1 if decision == "warn" else 0, suspended_until)
    if reporters and await table_exists(conn, "trust_signals"):
        await conn.execute(
            "INSERT INTO trust_signals (user_id, kind, ref) VALUES ($1::uuid, 'upheld_report', $2)"
            " ON CONFLICT DO NOTHING", author, row["id"])


async def do_decide(state: AppState, moderator_id: str, role: str, item_id: str,
                    decision: str, note: str = "", suspend_hours: int | None = None,
                    category: str | None = None) -> dict:
    """Decide an item (or its pending appeal). Acts on the content where its table exists.

    `category` is what the moderator found wrong (a report of "harassment" may be a threat);
    it replaces the item's, so the decided queue is labelled data (labels.py)."""
    if decision not in DECISIONS:
        raise BadRequest(f"decision must be one of {', '.join(DECISIONS)}",
                         code="invalid_decision")
    if category is not None and category not in FINDINGS:
        raise BadRequest(f"category must be one of {', '.join(FINDINGS)}",
                         code="invalid_category")
    if category is not None and decision == "restore":
        raise BadRequest("A restore finds nothing wrong: send no category with it",
                         code="invalid_category")
    suspended_user = None
    async with transaction(state.db, state.emitter) as tx:
        row = await _locked_item(tx.conn, item_id)
        if not _open_for_review(row):
            raise Conflict("This item was already decided", code="already_decided")
        if _claimed_by_other(row, moderator_id):
            raise Conflict("Another moderator is working on this item", code="already_claimed")
        appeal = row["appeal_status"] == "pending"
        # only the server's own copy names an author to penalise (older items may hold a
        # reporter-supplied snapshot: decided on, but nobody is warned or suspended for it)
        author = row["author_id"] if row["snapshot_from"] == "server" else None
        acted = False
        what = "restore" if decision == "restore" else "remove"
        suspended_until = None
        if appeal:
            if decision == "restore":  # appeal overturned: undo what the first decision did
                acted = await apply(tx.conn, row["target_type"], row["target_id"], "restore")
                if author and row["decision"] == "suspend":
                    await tx.conn.execute(q.SET_USER_STATUS, author, "active")
                if author:
                    await tx.conn.execute(q.LIFT_SUSPENSION, author)
        elif decision == "restore":
            acted = await apply(tx.conn, row["target_type"], row["target_id"], "restore")
            reporters = [r["reporter_id"] for r in
                         await tx.conn.fetch(q.SET_REPORT_OUTCOME, row["id"], "rejected")]
            if reporters:
                await tx.conn.execute(q.STANDING_REPORTERS, reporters, 0, 1)
        else:
            acted = await apply(tx.conn, row["target_type"], row["target_id"], "remove")
            if decision == "suspend" and author:
                hours = suspend_hours or DEFAULT_SUSPEND_HOURS
                suspended_until = datetime.now(timezone.utc) + timedelta(hours=hours)
                await tx.conn.execute(q.SET_USER_STATUS, author, "suspended")
                suspended_user = author
            await _record_upheld(tx.conn, row, author, decision, suspended_until)
        row = await tx.conn.fetchrow(q.DECIDE, row["id"], decision, moderator_id, note[:1000],
                                     category)
        await audit(tx.conn, actor_id=moderator_id, actor_role=role,
                    action="mod_appeal_decide" if appeal else "mod_decide",
                    subject_id=author, target_type=row["target_type"],
                    target_id=row["target_id"],
                    details={"item_id": row["id"], "decision": decision,
                             "acted_on_content": acted})
        data = item_json(row)
        data["acted_on_content"] = acted
        tx.emit("mod:item", {"change": "decided", "item": data}, room=mod_queue_room())
        # a sample found fine changed nothing the author could see: nothing to tell them
        if author and not (row["source"] == "sample" and decision == "restore"):
            tx.emit("mod:decision", {
                "item_id": data["id"], "target_type": data["target_type"],
                "target_id": data["target_id"], "decision": decision,
                "appeal": data["appeal_status"],
                "can_appeal": (not appeal) and decision != "restore",
                "suspended_until": suspended_until.isoformat() if suspended_until else None,
            }, room=user_room(author))
    if acted:
        await after_decision(state, data["target_type"], data["target_id"], what)
    if suspended_user:
        await _end_sessions(state, suspended_user, "suspended")
    return data


async def _end_sessions(state: AppState, user_id: str, reason: str) -> None:
    """Sign a suspended or erased user out everywhere (the auth domain owns sessions)."""
    try:
        from handlers.auth.actions import do_revoke_all_sessions
    except ImportError:  # no auth domain in this build
        return
    try:
        await do_revoke_all_sessions(state, user_id, None, reason=reason)
    except TypeError:
        await do_revoke_all_sessions(state, user_id)
    except AppError:
        log.warning("revoke_sessions_refused", user_id=user_id)


async def do_appeal(state: AppState, user_id: str, item_id: str, text: str) -> dict:
    """The author appeals a decision, once; the item goes back to the queue."""
    async with transaction(state.db, state.emitter) as tx:
        row = await _locked_item(tx.conn, item_id)
        if row["author_id"] != user_id:
            raise Forbidden("Only the author can appeal this decision")
        if row["status"] != "decided" or row["decision"] not in ("remove", "warn", "suspend"):
            raise Conflict("There is no decision against you to appeal", code="nothing_to_appeal")
        if row["appeal_status"] is not None:
            raise Conflict("You already appealed this decision", code="already_appealed")
        row = await tx.conn.fetchrow(q.APPEAL, row["id"], text[:2000])
        data = item_json(row)
        tx.emit("mod:item", {"change": "appealed", "item": data}, room=mod_queue_room())
    return {"item_id": data["id"], "appeal": data["appeal_status"]}


async def do_standing(state: AppState, user_id: str) -> dict:
    row = await state.db.fetchrow(q.GET_STANDING, user_id)
    base = {"strikes": 0, "warnings": 0, "reports_upheld": 0, "reports_rejected": 0,
            "suspended_until": None}
    return to_builtins({**base, **dict(row)}) if row else base
