"""Trust score: 0-100 per user, from one documented formula, every point explained.

`compute_trust(inputs)` is THE formula (pure, no I/O). `do_recompute_trust(state, user_id)`
gathers the inputs, stores score + factors, and is called on the events that move them:
- a block received or lifted (users.do_block / do_unblock),
- a report upheld against the user: moderation calls
  `do_record_upheld_report(state, user_id, ref)` (idempotent per ref),
- engagement received (reactions/comments on the user's posts, from interactions),
- identity changes (verified phone, passkey added): auth may call do_recompute_trust;
- account age moves by itself: `trust:explain` recomputes when the stored score is a day old.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.clock import now
from server.state import AppState

TRUSTED = 60  # engagement only counts from users at or above this score

INPUTS = """
SELECT (u.phone IS NOT NULL) AS phone_verified,
       EXISTS (SELECT 1 FROM auth_passkeys k WHERE k.user_id = u.id) AS has_passkey,
       u.created_at,
       (SELECT count(*) FROM trust_signals s WHERE s.user_id = u.id
          AND s.kind = 'upheld_report') AS upheld_reports,
       (SELECT count(*) FROM blocks b WHERE b.blocked_id = u.id) AS blocks_received,
       (SELECT count(DISTINCT x.uid) FROM (
            SELECT r.user_id AS uid FROM reactions r JOIN posts p
              ON r.target_kind = 'post' AND p.id = r.target_id
            WHERE p.author_id = u.id AND r.created_at > $2
            UNION
            SELECT c.author_id FROM comments c JOIN posts p ON p.id = c.post_id
            WHERE p.author_id = u.id AND c.status = 'published' AND c.created_at > $2
        ) x JOIN trust_scores t ON t.user_id = x.uid AND t.score >= $3
        WHERE x.uid <> u.id) AS trusted_engagers
FROM users u WHERE u.id = $1
"""
STORE = """
INSERT INTO trust_scores (user_id, score, factors, computed_at) VALUES ($1, $2, $3, now())
ON CONFLICT (user_id) DO UPDATE SET score = $2, factors = $3, computed_at = now()
"""
STORED = "SELECT score, factors, computed_at FROM trust_scores WHERE user_id = $1"
SIGNAL = """
INSERT INTO trust_signals (user_id, kind, ref) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class TrustInputs:
    phone_verified: bool
    has_passkey: bool
    account_age_days: float
    upheld_reports: int
    blocks_received: int
    trusted_engagers: int  # distinct trusted users who reacted/commented in 30 days


def compute_trust(i: TrustInputs) -> tuple[int, list[dict[str, Any]]]:
    """The trust formula. Start at 20, then:

    | factor            | points                                   | bound |
    |-------------------|------------------------------------------|-------|
    | verified phone    | +20                                      |       |
    | passkey           | +15                                      |       |
    | account age       | +1 per 9 days                            | +20   |
    | trusted engagement| +2 per distinct trusted engager, 30 days | +20   |
    | upheld reports    | -15 each                                 | -60   |
    | blocks received   | -3 per blocker                           | -25   |

    clamped to 0..100. Returns (score, factors); factors sum to score - 20 before clamping.
    """
    f = [
        ("base", None, 20, "everyone starts at 20"),
        ("phone_verified", i.phone_verified, 20 if i.phone_verified else 0,
         "a verified phone number"),
        ("passkey", i.has_passkey, 15 if i.has_passkey else 0, "a passkey on the account"),
        ("account_age", round(i.account_age_days, 1), min(20, int(i.account_age_days // 9)),
         "one point per 9 days of account age, at most 20"),
        ("trusted_engagement", i.trusted_engagers, min(20, 2 * i.trusted_engagers),
         f"reactions/comments from users with trust >= {TRUSTED} in 30 days, 2 each, "
         "at most 20"),
        ("upheld_reports", i.upheld_reports, -min(60, 15 * i.upheld_reports),
         "reports against the user that moderation upheld, -15 each, at most -60"),
        ("blocks_received", i.blocks_received, -min(25, 3 * i.blocks_received),
         "users who block this user, -3 each, at most -25"),
    ]
    total = sum(points for _, _, points, _ in f)
    score = max(0, min(100, total))
    return score, [{"factor": name, "value": value, "points": points, "why": why}
                   for name, value, points, why in f]


async def gather_inputs(conn, user_id: str, at: datetime) -> TrustInputs | None:
    row = await conn.fetchrow(INPUTS, user_id, at - timedelta(days=30), TRUSTED)
    if row is None:
        return None
    return TrustInputs(
        phone_verified=row["phone_verified"], has_passkey=row["has_passkey"],
        account_age_days=max(0.0, (at - row["created_at"]).total_seconds() / 86400),
        upheld_reports=row["upheld_reports"], blocks_received=row["blocks_received"],
        trusted_engagers=row["trusted_engagers"])


async def do_recompute_trust(state: AppState, user_id: str) -> dict | None:
    """Recompute and store one user's score; returns {score, factors} (None: no such user)."""
    at = now(state)
    async with state.db.acquire() as conn:
        inputs = await gather_inputs(conn, user_id, at)
        if inputs is None:
            return None
        score, factors = compute_trust(inputs)
        await conn.execute(STORE, user_id, score, factors)
    return {"user_id": user_id, "score": score, "factors": factors,
            "computed_at": at.isoformat()}


async def do_record_upheld_report(state: AppState, user_id: str, ref: str) -> dict | None:
    """Moderation upheld a report (`ref`, e.g. its id) against `user_id`. Idempotent."""
    await state.db.execute(SIGNAL, user_id, "upheld_report", str(ref))
    return await do_recompute_trust(state, user_id)


async def explain_trust(state: AppState, viewer: str, role: str, user_id: str) -> dict:
    """The score and its factors; one's own, or anyone's for moderators and admins."""
    from handlers.users.checks import check_user_exists
    from server.errors import Forbidden

    if user_id != viewer and role not in ("moderator", "admin"):
        raise Forbidden("You can see only your own trust factors", code="forbidden")
    async with state.db.acquire() as conn:
        await check_user_exists(conn, user_id)
    return await do_recompute_trust(state, user_id)
