"""Tips by group commit: the tips that arrive while a batch is being written go in the next one.

A tip used to be one statement and one COMMIT (one WAL flush, one round trip, one pool
checkout) each; under load the database spent most of its time on that per-statement work.
`TipBatcher` queues tips and posts each batch with one `wallet_post_tips` call
(server/migrations/0603_wallet_tip_batches.sql), in autocommit: when the call returns, the
whole batch is committed, and only then is any caller's future resolved (so its ack). At low
load a batch is a single tip posted at once: no timer, no added latency.

Per-tip semantics are those of one tip alone: each tip has its own outcome (a refused tip
moves nothing and does not fail the others), its own transfer and idempotency key. A batch
holds at most one tip per tipper: a tipper's next tip waits for the batch holding their
previous one, so a wallet's balance check is exact and the same key twice is never decided
twice in one statement (the later one sees the stored key: replayed or conflict). If a batch
fails as a whole (a constraint the decision missed, a lock error), its tips are posted one
by one, so a fault stays with the tip that caused it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Awaitable, Callable

import asyncpg
import structlog

from handlers.wallet.ledger import EARNINGS_SHARDS, PLATFORM, Ledger, earnings
from server.batching import GroupCommit

log = structlog.get_logger("wallet")

_POST_TIPS = """
SELECT r_i, r_outcome, r_transfer_id, r_tipper_name, r_wallet_after, r_earnings_after
  FROM wallet_post_tips($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::text[],
                        $6::text[], $7::text[], $8::text[], $9::bigint[], $10)"""


@dataclass
class TipOrder:
    """One tip to post. The creator's account ids come from `resolve_accounts` before it is
    queued; the tipper's wallet is found by the posting statement itself."""

    tipper: str
    creator: str
    amount: int
    fee: int
    key: str | None
    body_hash: str | None
    ref: str | None                     # the live stream the tip was sent in
    message: str | None = None
    shard_ids: tuple[int, ...] = ()     # the creator's earnings shards, by shard number
    platform_id: int = 0

    @property
    def scope(self) -> str:
        return f"tip:{self.tipper}"


@dataclass
class TipOutcome:
    outcome: str                  # posted | replayed | conflict | insufficient_funds |
    #                               creator_not_found | creator_unavailable
    transfer_id: int | None = None
    tipper_name: str | None = None
    wallet_after: int | None = None      # the tipper's wallet right after this tip
    earnings_after: int | None = None    # the creator's earnings when the batch committed
    earnings_as_of: int | None = None    # the last transfer to this creator in the batch


async def resolve_accounts(ledger: Ledger, pool: asyncpg.Pool, order: TipOrder) -> TipOrder:
    """Fill in the platform's and the creator's earnings shards' account ids (cached per
    process; created on first use). A creator id that names no user raises
    NotFound(user_not_found)."""
    keys = [PLATFORM, *(earnings(order.creator, s) for s in range(EARNINGS_SHARDS))]
    ids = ledger.cached(keys)
    if ids is None:
        async with pool.acquire() as conn:
            ids = await ledger.account_ids(conn, keys)
    order.platform_id, order.shard_ids = ids[0], tuple(ids[1:])
    return order


async def post_tips(conn: asyncpg.Connection,
                    orders: list[TipOrder]) -> list[TipOutcome | BaseException]:
    """Post a batch (at most one tip per tipper) in one statement, committed on return.
    If the batch fails as a whole, each tip is posted alone; a tip that still fails gets its
    exception in its place in the result."""
    for attempt in range(3):
        try:
            return await _post_batch(conn, orders)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if len(orders) > 1 and not conn.is_closed():
                log.warning("wallet_tip_batch_failed", size=len(orders), error=str(exc))
                break
            if _overdraft(exc):
                return [TipOutcome("insufficient_funds")]
            if not isinstance(exc, _RETRY) or attempt == 2:
                return [exc] * len(orders)
    out: list[TipOutcome | BaseException] = []
    for o in orders:
        out.extend(await post_tips(conn, [o]))
    return out


_RETRY = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)


def _overdraft(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.CheckViolationError) and \
        exc.constraint_name == "wallet_balance_not_negative"


async def _post_batch(conn: asyncpg.Connection, orders: list[TipOrder]) -> list[TipOutcome]:
    # all of one creator's tips in this batch credit one shard, picked per batch, so two
    # concurrent batches rarely wait on the same earnings row
    shard = {o.creator: random.randrange(EARNINGS_SHARDS) for o in orders}
    rows = await conn.fetch(
        _POST_TIPS, [o.tipper for o in orders], [o.creator for o in orders],
        [o.amount for o in orders], [o.fee for o in orders], [o.scope for o in orders],
        [o.key for o in orders], [o.body_hash for o in orders], [o.ref for o in orders],
        [o.shard_ids[shard[o.creator]] for o in orders],
        orders[0].platform_id)
    out = [TipOutcome("")] * len(orders)
    last: dict[str, int] = {}
    for r in rows:
        i = r["r_i"] - 1
        out[i] = TipOutcome(r["r_outcome"], r["r_transfer_id"], r["r_tipper_name"],
                            r["r_wallet_after"], r["r_earnings_after"])
        if r["r_outcome"] == "posted":
            c = orders[i].creator
            last[c] = max(last.get(c, 0), r["r_transfer_id"])
    for o, t in zip(orders, out):
        if t.outcome == "posted":
            t.earnings_as_of = last[o.creator]
    return out


OnCommit = Callable[[list[TipOrder], list["TipOutcome | BaseException"]], Awaitable[None]]


class TipBatcher(GroupCommit[TipOrder, TipOutcome]):
    """Queues tips and posts them in batches (server/batching.GroupCommit), at most
    `max_inflight` batches at a time and one tip per tipper in the batches in flight.

    `submit` returns only after the tip's batch has committed. After a batch has committed and
    its callers are answered, `on_commit(orders, outcomes)` runs (the pushes, once per batch)."""

    def __init__(self, pool: asyncpg.Pool, on_commit: OnCommit | None = None, *,
                 max_batch: int = 256, max_inflight: int = 2,
                 observe: Callable[[int], None] | None = None):
        super().__init__(pool, post_tips, on_commit, max_batch=max_batch,
                         max_inflight=max_inflight, key=lambda o: o.tipper, observe=observe,
                         name="wallet_tip_batch")

    @property
    def tips(self) -> int:
        return self.items
