"""The ledger's invariants as one SQL report (used by tests, the CLI and the benchmark)."""
from __future__ import annotations

import asyncpg

REPORT = """
SELECT
  (SELECT count(*) FROM (SELECT transfer_id FROM wallet_entries GROUP BY transfer_id
                          HAVING sum(amount) <> 0 OR count(*) < 2) x) AS unbalanced_transfers,
  (SELECT count(*) FROM wallet_transfers t
    WHERE NOT EXISTS (SELECT 1 FROM wallet_entries e WHERE e.transfer_id = t.id))
                                                          AS transfers_without_entries,
  (SELECT coalesce(sum(amount), 0)::bigint FROM wallet_entries) AS sum_of_all_entries,
  (SELECT count(*) FROM wallet_accounts a
    WHERE a.balance IS NOT NULL AND a.balance <> (SELECT coalesce(sum(e.amount), 0)
                                                  FROM wallet_entries e
                                                  WHERE e.account_id = a.id))
                                                          AS stale_cached_balances,
  (SELECT count(*) FROM wallet_accounts a
    WHERE a.kind IN ('wallet', 'earnings', 'cashout_payable')
      AND (SELECT coalesce(sum(e.amount), 0) FROM wallet_entries e
            WHERE e.account_id = a.id) < 0)              AS negative_balances,
  (SELECT count(*) FROM wallet_transfers)               AS transfers
"""


async def ledger_report(conn: asyncpg.Connection) -> dict:
    r = dict(await conn.fetchrow(REPORT))
    r["ok"] = (r["unbalanced_transfers"] == 0 and r["transfers_without_entries"] == 0
               and r["sum_of_all_entries"] == 0 and r["stale_cached_balances"] == 0
               and r["negative_balances"] == 0)
    return r
