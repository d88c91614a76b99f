"""Messages and receipts by group commit (server/batching.GroupCommit, as tips are).

A message used to be one statement and one COMMIT (one WAL flush, one round trip, one pool
checkout) each: about 0.5 ms of PostgreSQL CPU per message, the ceiling of chat on a small
machine. Now the sends that arrive while a batch is being written go in the next one, stored
by one `chat_send_messages` call (server/migrations/0201_chat_batches.sql) in autocommit; its
fan-out leaves in one Redis call once it has committed, and only then are the callers
answered. At low load a batch is one message written at once: no timer, no added latency.

Per-message semantics are those of one message alone (the SQL function's docstring): each
has its own outcome, a refused one stores nothing and does not fail the others. If a batch
fails as a whole (an error the decision missed, a deadlock with a membership change), its
messages are written one by one, so a fault stays with the message that caused it.
Receipts (`chat:read`, `chat:delivered`) are batched the same way by `chat_advance_receipts`,
one per member and conversation in the batches in flight. The read-only check before
moderation (membership, blocks, a resent client_id) is coalesced too: one statement for the
sends that arrive while the previous one runs (`precheck`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from rooms import membership
from rooms.names import user_room
from server.batching import Batcher, GroupCommit
from server.state import AppState

from . import queries as q
from .shapes import message_out, rooms_of

log = structlog.get_logger("chat")

MAX_BATCH = 256
IN_FLIGHT = 2
# a second batch in flight only for this many waiting sends; fewer go with the next batch
# (docs/benchmarks.md, "Chat at the database's limit (#21), evening": lone sends behind a
# large batch made half the statements, at ~1 ms of PostgreSQL CPU each against ~0.1 ms
# per message in a large batch)
MIN_EXTRA_BATCH = 32

# the columns under message_out's names (RETURNS TABLE prefixes them with r_ so that they do
# not clash with the tables' inside the function): the rows are used as they come
_SEND = """
SELECT r_i AS i, r_outcome AS outcome, r_members AS members, r_id AS id,
       r_conversation_id AS conversation_id, r_seq AS seq, r_rev AS rev,
       r_sender_id AS sender_id, r_client_id AS client_id, r_kind AS kind, r_body AS body,
       r_reply_to_seq AS reply_to_seq, r_media AS media, r_data AS data, r_status AS status,
       r_created_at AS created_at, r_edited_at AS edited_at, r_deleted_at AS deleted_at
  FROM chat_send_messages($1::uuid[], $2::uuid[], $3::text[], $4::text[],
                          $5::bigint[], $6::jsonb[], $7::text[], $8::jsonb[])"""
_RECEIPTS = """
SELECT * FROM chat_advance_receipts($1::uuid[], $2::uuid[], $3::bigint[], $4::text[])"""


async def precheck(state: AppState, conversation_id: str | None, dm_key: str | None,
                   sender: str, client_id: str):
    """The sender's membership row for the conversation (by id, or the DM by key), with
    `blocked` and the already stored message of this client_id (`existing_seq` and its
    columns); None when they are not in it (or the DM does not exist yet)."""
    b = state.extras.get("chat_prechecks")
    if b is None:
        async def run(items: list[tuple]) -> list:
            async with state.db.acquire() as conn:
                blocks = await membership.table_exists(state, conn, "blocks")
                rows = await conn.fetch(q.PRECHECK_MANY,
                                        *(list(col) for col in zip(*items)), blocks)
            found = {r["i"]: r for r in rows}
            return [found.get(k) for k in range(1, len(items) + 1)]
        b = state.extras["chat_prechecks"] = Batcher(run, max_items=MAX_BATCH)
    return await b.submit((conversation_id, dm_key, sender, client_id))


@dataclass
class SendOrder:
    """One message to store: checked (rate, size, membership, blocks, moderation) already."""

    conversation_id: str
    sender: str
    client_id: str
    text: str | None
    reply_to: int | None
    media: dict | None
    held: bool
    moderation: dict | None


@dataclass
class Stored:
    outcome: str         # stored | duplicate | not_member | reply_not_found
    row: Any             # the message's columns, by name (stored, duplicate)
    members: list[str] | None = None
    out: dict | None = None  # message_out(row) once the fan-out made it: the ack reuses it

    def message(self) -> dict:
        """The message as clients see it (computed once for the fan-out and the ack)."""
        if self.out is None:
            self.out = message_out(self.row)
        return self.out


async def store_messages(conn: asyncpg.Connection,
                         orders: list[SendOrder]) -> list[Stored | BaseException]:
    """Store a batch in one statement, committed on return; if it fails as a whole, each
    message alone (one that still fails gets its exception in its place)."""
    for attempt in range(3):
        try:
            return await _store_batch(conn, orders)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if len(orders) > 1 and not conn.is_closed():
                log.warning("chat_send_batch_failed", size=len(orders), error=str(exc))
                break
            if not isinstance(exc, _RETRY) or attempt == 2:
                return [exc] * len(orders)
    out: list[Stored | BaseException] = []
    for o in orders:
        out.extend(await store_messages(conn, [o]))
    return out


_RETRY = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)


async def _store_batch(conn: asyncpg.Connection, orders: list[SendOrder]) -> list[Stored]:
    rows = await conn.fetch(
        _SEND, [o.conversation_id for o in orders], [o.sender for o in orders],
        [o.client_id for o in orders], [o.text for o in orders],
        [o.reply_to for o in orders], [o.media for o in orders],
        ["held" if o.held else "visible" for o in orders],
        [o.moderation for o in orders])
    out: list[Stored] = [Stored("", None)] * len(orders)
    for r in rows:
        out[r["i"] - 1] = Stored(r["outcome"], r if r["id"] is not None else None,
                                 r["members"])
    return out


def send_batcher(state: AppState) -> GroupCommit[SendOrder, Stored]:
    gc = state.extras.get("chat_send_batcher")
    if gc is None:
        async def pushes(orders: list[SendOrder], results: list) -> None:
            await _push_messages(state, orders, results)
        gc = state.extras["chat_send_batcher"] = GroupCommit(
            state.db, store_messages, pushes, max_batch=MAX_BATCH, max_inflight=IN_FLIGHT,
            push_first=True, observe=state.metrics.batch_observer("chat_send"),
            name="chat_send_batch", min_extra=MIN_EXTRA_BATCH)
    return gc


async def _push_messages(state: AppState, orders: list[SendOrder], results: list) -> None:
    """The batch's new messages to their recipients, in one Redis call (a held message only
    to its author's devices)."""
    items: list[tuple[str, Any, Any]] = []
    for o, res in zip(orders, results):
        if isinstance(res, Stored) and res.outcome == "stored":
            room = user_room(o.sender) if o.held else rooms_of(res.members or ())
            items.append(("chat:message", res.message(), room))
    if items:
        await state.emitter.emit_many(items)


# --- receipts ------------------------------------------------------------------------------

@dataclass
class ReceiptOrder:
    conversation_id: str
    user_id: str
    seq: int
    kind: str            # read | delivered


@dataclass
class Advanced:
    member: bool
    upto: int | None
    members: list[str] | None = None


async def advance_receipts(conn: asyncpg.Connection,
                           orders: list[ReceiptOrder]) -> list[Advanced | BaseException]:
    for attempt in range(3):
        try:
            rows = await conn.fetch(
                _RECEIPTS, [o.conversation_id for o in orders], [o.user_id for o in orders],
                [o.seq for o in orders], [o.kind for o in orders])
            return [Advanced(r["r_member"], r["r_upto"], r["r_members"]) for r in rows]
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if len(orders) > 1 and not conn.is_closed():
                log.warning("chat_receipt_batch_failed", size=len(orders), error=str(exc))
                break
            if not isinstance(exc, _RETRY) or attempt == 2:
                return [exc] * len(orders)
    out: list[Advanced | BaseException] = []
    for o in orders:
        out.extend(await advance_receipts(conn, [o]))
    return out


def receipt_batcher(state: AppState) -> GroupCommit[ReceiptOrder, Advanced]:
    gc = state.extras.get("chat_receipt_batcher")
    if gc is None:
        async def pushes(orders: list[ReceiptOrder], results: list) -> None:
            items = [("chat:receipt", {"conversation_id": o.conversation_id,
                                       "user_id": o.user_id, "kind": o.kind, "seq": r.upto},
                      rooms_of(r.members or ()))
                     for o, r in zip(orders, results)
                     if isinstance(r, Advanced) and r.upto is not None]
            if items:
                await state.emitter.emit_many(items)
        gc = state.extras["chat_receipt_batcher"] = GroupCommit(
            state.db, advance_receipts, pushes, max_batch=MAX_BATCH, max_inflight=IN_FLIGHT,
            key=lambda o: (o.conversation_id, o.user_id), push_first=True,
            observe=state.metrics.batch_observer("chat_receipt"), name="chat_receipt_batch")
    return gc


async def drain(state: AppState) -> None:
    """Shutdown: what was taken into a batch is written and answered."""
    for name in ("chat_send_batcher", "chat_receipt_batcher"):
        gc = state.extras.get(name)
        if gc is not None:
            await gc.drain()
