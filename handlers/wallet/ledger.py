"""The ledger seam: resolve accounts, post a balanced transfer in one round trip, read balances.

Every money move goes through `post()`, which calls the `wallet_post` SQL function
(server/migrations/0600_wallet_ledger.sql). That function claims the idempotency key, writes
the transfer and its entries in account-id order (the entries trigger moves cached balances,
so account rows are locked in one global order: no deadlocks) and returns the new balances.
The database itself rejects an overdraft (CHECK on the cached balance), an unbalanced
transfer (deferred constraint trigger at COMMIT) and any UPDATE/DELETE of entries/transfers.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any, Iterable

import asyncpg

from server.errors import AppError, BadRequest, Conflict, NotFound

USER_KINDS = ("wallet", "earnings")
EARNINGS_SHARDS = 8
PLATFORM = ("platform_revenue", None, None, 0)
PAYABLE = ("cashout_payable", None, None, 0)

AccountKey = tuple[str, str | None, str | None, int]  # (kind, user_id, provider, shard)


def wallet(user_id: object) -> AccountKey:
    return ("wallet", str(user_id), None, 0)


def earnings(user_id: object, shard: int | None = None) -> AccountKey:
    """A creator's earnings shard; credits pick one at random (see the migration)."""
    return ("earnings", str(user_id), None,
            random.randrange(EARNINGS_SHARDS) if shard is None else shard)


def clearing(provider: str) -> AccountKey:
    return ("provider_clearing", None, provider, 0)


class InsufficientFunds(AppError):
    def __init__(self, message: str = "Not enough money in the wallet for this"):
        super().__init__("insufficient_funds", message, status=402)


def request_hash(body: dict[str, Any]) -> str:
    """A stable digest of a request body: same body, same hash, whatever the key order."""
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


_ENSURE_ACCOUNTS = """
WITH want AS (
    SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::smallint[])
                  AS w(kind, user_id, provider, shard)),
ins AS (
    INSERT INTO wallet_accounts (kind, user_id, provider, shard, balance)
    SELECT kind, user_id, provider, shard, CASE WHEN kind IN ('wallet', 'earnings') THEN 0 END
      FROM want
    ON CONFLICT DO NOTHING
    RETURNING id, kind, user_id::text, provider, shard)
SELECT id, kind, user_id, provider, shard, true AS fresh FROM ins
UNION ALL
SELECT a.id, a.kind, a.user_id::text, a.provider, a.shard, false
  FROM wallet_accounts a JOIN want w
    ON a.kind = w.kind AND a.user_id IS NOT DISTINCT FROM w.user_id
   AND a.provider IS NOT DISTINCT FROM w.provider AND a.shard = w.shard
"""

_POST = """SELECT wallet_post($1, $2, $3, $4, $5, $6::uuid, $7::uuid, $8, $9, $10::bigint[],
                              $11::bigint[])"""


@dataclass
class Posted:
    transfer_id: int
    balances: dict[str, int]          # "<kind>:<user id>" -> balance after the transfer
    replayed: bool


@dataclass
class Ledger:
    """Per-process account-id cache (ids never change once created) and the posting call."""

    ids: dict[AccountKey, int] = field(default_factory=dict)

    def cached(self, keys: list[AccountKey]) -> list[int] | None:
        """Ids of these accounts if all are cached, else None (no database needed)."""
        try:
            return [self.ids[k] for k in keys]
        except KeyError:
            return None

    async def account_ids(self, conn: asyncpg.Connection, keys: Iterable[AccountKey]) -> list[int]:
        """Ids of these accounts, creating missing ones. Ids created inside a transaction that
        may still roll back are used but not cached."""
        keys = list(keys)
        local: dict[AccountKey, int] = {}
        missing = list({k for k in keys if k not in self.ids})
        for _ in range(3):  # a concurrent creator may hide its row from our snapshot once
            if not missing:
                break
            try:
                rows = await conn.fetch(_ENSURE_ACCOUNTS, [k[0] for k in missing],
                                        [k[1] for k in missing], [k[2] for k in missing],
                                        [k[3] for k in missing])
            except asyncpg.ForeignKeyViolationError:
                raise NotFound("No such user", code="user_not_found") from None
            durable = not conn.is_in_transaction()
            for r in rows:
                k = (r["kind"], r["user_id"], r["provider"], r["shard"])
                local[k] = r["id"]
                if durable or not r["fresh"]:
                    self.ids[k] = r["id"]
            missing = [k for k in missing if k not in local]
        if missing:
            raise RuntimeError(f"could not resolve wallet accounts {missing}")
        return [self.ids.get(k) or local[k] for k in keys]

    async def post(self, conn: asyncpg.Connection, *, kind: str, amount: int,
                   legs: list[tuple[AccountKey, int]], scope: str | None = None,
                   key: str | None = None, body_hash: str | None = None,
                   payer: str | None = None, payee: str | None = None, ref: str | None = None,
                   reverses: int | None = None) -> Posted:
        """Write one balanced transfer. Raises InsufficientFunds (nothing written) or Conflict
        (same idempotency key, different body). A replay returns the first result."""
        if sum(a for _, a in legs) != 0:
            raise ValueError("legs must sum to zero")
        legs = [(k, a) for k, a in legs if a != 0]
        ids = await self.account_ids(conn, [k for k, _ in legs])
        try:
            raw = await conn.fetchval(_POST, scope, key, body_hash, kind, amount, payer, payee,
                                      ref, reverses, ids, [a for _, a in legs])
        except asyncpg.CheckViolationError as exc:
            if exc.constraint_name == "wallet_balance_not_negative":
                raise InsufficientFunds() from None
            raise
        if raw.get("conflict"):
            raise Conflict("This idempotency key was already used with a different request")
        return Posted(int(raw["transfer_id"]),
                      {k: int(v) for k, v in raw["balances"].items()},
                      bool(raw.get("replayed")))

    def balance_of(self, posted: Posted, key: AccountKey) -> int | None:
        """The user's wallet or (all-shard) earnings balance right after this transfer."""
        return posted.balances.get(f"{key[0]}:{key[1]}")


_BALANCES = """
SELECT kind, sum(balance)::bigint AS balance FROM wallet_accounts
 WHERE user_id = $1::uuid AND kind IN ('wallet', 'earnings') GROUP BY kind
"""
_LOCK_EARNINGS = """
SELECT shard, balance FROM wallet_accounts WHERE kind = 'earnings' AND user_id = $1::uuid
 ORDER BY id FOR UPDATE"""


async def earnings_debit_legs(conn: asyncpg.Connection, user_id: str,
                              amount: int) -> list[tuple[AccountKey, int]]:
    """Inside a transaction: lock a creator's earnings shards (in id order, as every posting
    does) and split a debit of `amount` across them; InsufficientFunds if they hold less."""
    rows = await conn.fetch(_LOCK_EARNINGS, user_id)
    if sum(r["balance"] for r in rows) < amount:
        raise InsufficientFunds("Not enough earnings for this")
    legs, left = [], amount
    for r in sorted(rows, key=lambda r: -r["balance"]):
        take = min(left, r["balance"])
        if take:
            legs.append((earnings(user_id, r["shard"]), -take))
            left -= take
        if not left:
            break
    return legs


async def balances(conn: asyncpg.Connection, user_id: str) -> dict[str, int]:
    found = {r["kind"]: r["balance"] for r in await conn.fetch(_BALANCES, user_id)}
    return {"wallet": found.get("wallet", 0), "earnings": found.get("earnings", 0)}


def check_amount(amount: int, *, low: int, high: int, what: str) -> None:
    """Amounts are whole piastres within bounds (fractions are refused by the payload types)."""
    if amount <= 0:
        raise BadRequest(f"The {what} amount must be positive", code="invalid_amount")
    if amount < low or amount > high:
        raise BadRequest(f"The {what} amount must be between {low} and {high} piastres",
                         code="amount_out_of_range")


def check_currency(currency: str) -> None:
    if currency != "EGP":
        raise BadRequest("Only EGP is supported", code="unsupported_currency")


_CLAIM = """INSERT INTO wallet_idempotency (scope, key, request_hash) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING RETURNING 1"""
_PRIOR = "SELECT request_hash, response FROM wallet_idempotency WHERE scope = $1 AND key = $2"
_REMEMBER = "UPDATE wallet_idempotency SET response = $3 WHERE scope = $1 AND key = $2"


async def claim(conn: asyncpg.Connection, scope: str, key: str, body_hash: str) -> dict | None:
    """Inside a transaction: claim an idempotency key. None = ours, go ahead (and `remember`
    the response before commit); a dict = the first request's response, to return as is.
    A concurrent holder of the key makes us wait for its commit or rollback."""
    if await conn.fetchval(_CLAIM, scope, key, body_hash):
        return None
    prior = await conn.fetchrow(_PRIOR, scope, key)
    if prior["request_hash"] != body_hash or prior["response"] is None:
        raise Conflict("This idempotency key was already used with a different request")
    return prior["response"]


async def remember(conn: asyncpg.Connection, scope: str, key: str, response: dict) -> None:
    await conn.execute(_REMEMBER, scope, key, response)
