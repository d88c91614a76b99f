"""The wallet's SQL (ledger posting itself lives in ledger.py and the wallet_post function)."""

USERS = """SELECT id::text, status, role, display_name, phone FROM users WHERE id = ANY($1::uuid[])"""

# Tips are posted in batches by wallet_post_tips (migration 0603, tip_batch.py).

# --- top-ups ---------------------------------------------------------------------------------
INSERT_PAYMENT = """
INSERT INTO wallet_payments (user_id, provider, method, merchant_ref, amount, expires_at)
VALUES ($1::uuid, $2, $3, $4, $5, now() + make_interval(secs => $6))
RETURNING id::text"""
PAYMENT_BY_ID = "SELECT * FROM wallet_payments WHERE id = $1::uuid"
PAYMENT_BY_ID_LOCK = "SELECT * FROM wallet_payments WHERE id = $1::uuid FOR UPDATE"
PAYMENT_BY_MERCHANT_REF = "SELECT * FROM wallet_payments WHERE merchant_ref = $1 AND provider = $2"
PAYMENT_BY_PROVIDER_REF = "SELECT * FROM wallet_payments WHERE provider_ref = $1 AND provider = $2"
SET_PAYMENT_CREATED = """UPDATE wallet_payments SET provider_ref = $2, instructions = $3
                         WHERE id = $1::uuid"""
SET_PAYMENT_FAILED = """UPDATE wallet_payments SET status = 'failed', settled_at = now()
                        WHERE id = $1::uuid AND status = 'pending'"""
SET_PAYMENT_PAID = """
UPDATE wallet_payments SET status = 'paid', transfer_id = $2, settled_at = now(),
       confirmed_by = $3, provider_ref = coalesce(provider_ref, $4)
 WHERE id = $1::uuid"""
EVENT_SEEN = "SELECT 1 FROM wallet_provider_events WHERE provider = $1 AND event_key = $2"
RECORD_EVENT = """
INSERT INTO wallet_provider_events (provider, event_key, payment_id, outcome, body)
VALUES ($1, $2, $3::uuid, $4, $5) ON CONFLICT DO NOTHING RETURNING 1"""
EXPIRE_PENDING = """
UPDATE wallet_payments SET status = 'expired', settled_at = now()
 WHERE status = 'pending' AND expires_at < now()
RETURNING id::text, user_id::text, amount, provider"""
RECENT_PAYMENTS = """
SELECT id::text, user_id::text, provider, merchant_ref, provider_ref, amount, status
  FROM wallet_payments WHERE created_at > now() - make_interval(days => $1)
 ORDER BY created_at"""

# --- subscriptions ---------------------------------------------------------------------------
UPSERT_TIER = """
INSERT INTO wallet_tiers (creator_id, name, price, active) VALUES ($1::uuid, $2, $3, $4)
ON CONFLICT (creator_id, name) DO UPDATE SET price = EXCLUDED.price, active = EXCLUDED.active
RETURNING id::text, name, price, active"""
TIERS_OF = """SELECT id::text, name, price, active FROM wallet_tiers
              WHERE creator_id = $1::uuid AND active ORDER BY price"""
TIER = "SELECT id::text, creator_id::text, name, price, active FROM wallet_tiers WHERE id = $1::uuid"
INSERT_SUBSCRIPTION = """
INSERT INTO wallet_subscriptions (tier_id, creator_id, subscriber_id, status, current_period_end)
VALUES ($1::uuid, $2::uuid, $3::uuid, 'active', now() + make_interval(days => $4))
ON CONFLICT DO NOTHING
RETURNING id::text, status, current_period_end"""
SUBSCRIPTION_LOCK = "SELECT * FROM wallet_subscriptions WHERE id = $1::uuid FOR UPDATE"
CANCEL_AT_END = """UPDATE wallet_subscriptions SET cancel_at_period_end = true, updated_at = now()
                   WHERE id = $1::uuid"""
DUE_SUBSCRIPTIONS = """
SELECT s.id::text FROM wallet_subscriptions s
 WHERE s.status IN ('active', 'grace') AND s.current_period_end <= $1
 ORDER BY s.current_period_end LIMIT $2"""
RENEWED = """UPDATE wallet_subscriptions SET status = 'active', grace_until = NULL,
             current_period_end = current_period_end + make_interval(days => $2),
             updated_at = now() WHERE id = $1::uuid
             RETURNING status, current_period_end"""
SET_SUB_STATUS = """UPDATE wallet_subscriptions SET status = $2, grace_until = $3, updated_at = now()
                    WHERE id = $1::uuid"""
IS_SUBSCRIBER = """SELECT EXISTS (SELECT 1 FROM wallet_subscriptions
                   WHERE subscriber_id = $1::uuid AND creator_id = $2::uuid
                     AND status IN ('active', 'grace'))"""
MY_SUBSCRIPTIONS = """
SELECT s.id::text, s.creator_id::text, t.name AS tier, t.price, s.status, s.current_period_end,
       s.cancel_at_period_end, s.grace_until
  FROM wallet_subscriptions s JOIN wallet_tiers t ON t.id = s.tier_id
 WHERE s.subscriber_id = $1::uuid ORDER BY s.created_at DESC LIMIT 100"""

# --- cashout ---------------------------------------------------------------------------------
HAS_PASSKEY_TABLE = "SELECT to_regclass('auth_passkeys') IS NOT NULL"
HAS_PASSKEY = "SELECT EXISTS (SELECT 1 FROM auth_passkeys WHERE user_id = $1::uuid)"
CASHED_OUT_TODAY = """
SELECT coalesce(sum(amount), 0)::bigint FROM wallet_cashouts
 WHERE user_id = $1::uuid AND status NOT IN ('rejected', 'failed')
   AND created_at >= date_trunc('day', now() AT TIME ZONE 'Africa/Cairo') AT TIME ZONE 'Africa/Cairo'"""
INSERT_CASHOUT = """
INSERT INTO wallet_cashouts (user_id, amount, method, destination, status)
VALUES ($1::uuid, $2, $3, $4, 'requested') ON CONFLICT DO NOTHING RETURNING id::text"""
CASHOUT_LOCK = "SELECT * FROM wallet_cashouts WHERE id = $1::uuid FOR UPDATE"
CASHOUT = "SELECT * FROM wallet_cashouts WHERE id = $1::uuid"
SET_CASHOUT = """UPDATE wallet_cashouts SET status = $2, hold_transfer_id = coalesce($3, hold_transfer_id),
                 final_transfer_id = coalesce($4, final_transfer_id),
                 provider_ref = coalesce($5, provider_ref), updated_at = now()
                 WHERE id = $1::uuid"""
CASHOUT_EVENT = """INSERT INTO wallet_cashout_events (cashout_id, from_status, to_status, actor_id, note)
                   VALUES ($1::uuid, $2, $3, $4::uuid, $5)"""
CASHOUT_EVENTS = """SELECT from_status, to_status, actor_id::text, note, at
                    FROM wallet_cashout_events WHERE cashout_id = $1::uuid ORDER BY id"""

# --- history and metrics ---------------------------------------------------------------------
HISTORY = """
SELECT e.id AS entry_id, t.id AS transfer_id, t.kind, a.kind AS account, e.amount, t.ref,
       t.payer_id::text, t.payee_id::text, t.created_at
  FROM wallet_accounts a
  JOIN wallet_entries e ON e.account_id = a.id
  JOIN wallet_transfers t ON t.id = e.transfer_id
 WHERE a.user_id = $1::uuid AND ($2::bigint IS NULL OR e.id < $2)
 ORDER BY e.id DESC LIMIT $3"""
EARNINGS_BY_DAY = """
SELECT (t.created_at AT TIME ZONE 'Africa/Cairo')::date AS day, t.kind AS source,
       count(*) AS count, sum(t.amount)::bigint AS gross, sum(e.amount)::bigint AS net
  FROM wallet_transfers t
  JOIN wallet_entries e ON e.transfer_id = t.id
  JOIN wallet_accounts a ON a.id = e.account_id AND a.kind = 'earnings' AND a.user_id = $1::uuid
 WHERE t.payee_id = $1::uuid AND t.kind IN ('tip', 'subscription')
   AND t.created_at >= $2 AND t.created_at < $3
 GROUP BY 1, 2 ORDER BY 1, 2"""
TOP_SUPPORTERS = """
SELECT t.payer_id::text AS user_id, u.display_name, sum(t.amount)::bigint AS total, count(*) AS count
  FROM wallet_transfers t LEFT JOIN users u ON u.id = t.payer_id
 WHERE t.payee_id = $1::uuid AND t.kind IN ('tip', 'subscription')
   AND t.created_at >= $2 AND t.created_at < $3
 GROUP BY 1, 2 ORDER BY total DESC, user_id LIMIT 10"""
SUBSCRIBER_COUNTS = """
SELECT t.id::text AS tier_id, t.name, t.price,
       count(s.id) FILTER (WHERE s.status = 'active') AS active,
       count(s.id) FILTER (WHERE s.status = 'grace') AS grace,
       count(s.id) FILTER (WHERE s.created_at >= $2 AND s.created_at < $3) AS new_in_range
  FROM wallet_tiers t LEFT JOIN wallet_subscriptions s ON s.tier_id = t.id
 WHERE t.creator_id = $1::uuid GROUP BY t.id ORDER BY t.price"""
