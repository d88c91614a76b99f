-- Tips posted in batches (group commit): one statement and one COMMIT for many tips.
--
-- wallet_post_tips takes parallel arrays, one element per tip, at most one tip per tipper
-- (the caller's batcher holds a tipper's later tips for the next batch). The tipper's wallet
-- is found here by user id (no wallet account means an empty wallet); the creator's earnings
-- shard account is given by id. Each tip gets
-- its own outcome; a refused tip moves nothing and does not affect the others:
--   creator_not_found | creator_unavailable   the creator guard (as TIP_GUARD)
--   conflict                                   key used with another body (or still in flight)
--   replayed                                   key used with this body: the first transfer id
--   insufficient_funds                         the wallet holds less than the tip
--   posted                                     transfer + entries written, key stored
-- Every guarantee of wallet_post holds: each tip is its own transfer with balanced entries
-- (the deferred trigger checks each at COMMIT), the entries trigger moves the cached balances
-- (the CHECK still refuses a negative one, failing the whole batch: the caller then posts its
-- tips one by one), and the idempotency key is stored with its response in the same
-- transaction as the transfer. All user accounts the batch moves are locked first, in id
-- order (the global lock order every posting follows), so batches never deadlock; a tipper's
-- key is only ever claimed under the lock of that tipper's wallet.
CREATE FUNCTION wallet_post_tips(p_tippers uuid[], p_creators uuid[], p_amounts bigint[],
                                 p_fees bigint[], p_scopes text[], p_keys text[],
                                 p_hashes text[], p_refs text[], p_earnings bigint[],
                                 p_platform bigint)
RETURNS TABLE (r_i integer, r_outcome text, r_transfer_id bigint, r_tipper_name text,
               r_wallet_after bigint, r_earnings_after bigint)
LANGUAGE plpgsql
-- Every lookup here is by key, for a batch's few hundred rows at most: plan once (generic
-- plans), and always as index lookups. Left to table statistics, small or fresh tables got
-- hash joins over whole tables (wallet_idempotency grows with every tip).
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_seq      regclass := pg_get_serial_sequence('wallet_transfers', 'id')::regclass;
    v_wallets  bigint[];
    v_outcome  text[];
    v_tid      bigint[];
    v_after    bigint[];
    v_name     text[];
    v_keyed    integer;
    v_claimed  integer;
BEGIN
    IF cardinality(p_tippers) <> (SELECT count(DISTINCT u) FROM unnest(p_tippers) u) THEN
        RAISE EXCEPTION 'a tip batch holds at most one tip per tipper'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg((SELECT w.id FROM wallet_accounts w
                       WHERE w.kind = 'wallet' AND w.user_id = t.tipper
                         AND w.provider IS NULL AND w.shard = 0) ORDER BY t.i)
      INTO v_wallets FROM unnest(p_tippers) WITH ORDINALITY AS t(tipper, i);
    PERFORM 1 FROM wallet_accounts a WHERE a.id = ANY (v_wallets || p_earnings)
      ORDER BY a.id FOR UPDATE;

    -- decide every tip under those locks (a new snapshot: balances are current)
    SELECT array_agg(d.outcome ORDER BY d.i), array_agg(d.tid ORDER BY d.i),
           array_agg(d.after ORDER BY d.i), array_agg(d.name ORDER BY d.i)
      INTO v_outcome, v_tid, v_after, v_name
      FROM (SELECT t.i, o.outcome,
                   CASE o.outcome WHEN 'posted' THEN nextval(v_seq)
                                  WHEN 'replayed' THEN (k.response ->> 'transfer_id')::bigint
                   END AS tid,
                   CASE WHEN o.outcome = 'posted' THEN w.balance - t.amount END AS after,
                   u.display_name AS name
              FROM unnest(p_tippers, p_creators, p_amounts, p_scopes, p_keys, p_hashes,
                          v_wallets)
                   WITH ORDINALITY AS t(tipper, creator, amount, scope, key, hash, wallet_id, i)
              LEFT JOIN users c ON c.id = t.creator
              LEFT JOIN users u ON u.id = t.tipper
              LEFT JOIN wallet_idempotency k ON k.scope = t.scope AND k.key = t.key
              LEFT JOIN wallet_accounts w ON w.id = t.wallet_id
             CROSS JOIN LATERAL (SELECT CASE
                    WHEN c.id IS NULL OR c.role <> 'creator' THEN 'creator_not_found'
                    WHEN c.status <> 'active' THEN 'creator_unavailable'
                    WHEN k.key IS NOT NULL AND (k.request_hash <> t.hash
                                                OR k.response IS NULL) THEN 'conflict'
                    WHEN k.key IS NOT NULL THEN 'replayed'
                    WHEN w.balance IS NULL OR w.balance < t.amount THEN 'insufficient_funds'
                    ELSE 'posted' END AS outcome) o) d;

    INSERT INTO wallet_transfers (id, kind, amount, payer_id, payee_id, ref)
    OVERRIDING SYSTEM VALUE
    SELECT t.tid, 'tip', t.amount, t.tipper, t.creator, t.ref
      FROM unnest(v_outcome, v_tid, p_amounts, p_tippers, p_creators, p_refs)
           AS t(outcome, tid, amount, tipper, creator, ref)
     WHERE t.outcome = 'posted' ORDER BY t.tid;

    INSERT INTO wallet_idempotency (scope, key, request_hash, response)
    SELECT t.scope, t.key, t.hash, jsonb_build_object('transfer_id', t.tid)
      FROM unnest(v_outcome, v_tid, p_scopes, p_keys, p_hashes) AS t(outcome, tid, scope, key, hash)
     WHERE t.outcome = 'posted' AND t.key IS NOT NULL
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_claimed = ROW_COUNT;
    SELECT count(*) INTO v_keyed FROM unnest(v_outcome, p_keys) AS t(outcome, key)
     WHERE t.outcome = 'posted' AND t.key IS NOT NULL;
    IF v_claimed <> v_keyed THEN  -- a key claimed outside the wallet lock: let the caller retry
        RAISE EXCEPTION 'a tip idempotency key was claimed concurrently'
            USING ERRCODE = 'serialization_failure';
    END IF;

    INSERT INTO wallet_entries (transfer_id, account_id, amount)
    SELECT t.tid, e.account_id, e.amount
      FROM unnest(v_outcome, v_tid, p_amounts, p_fees, v_wallets, p_earnings)
           AS t(outcome, tid, amount, fee, wallet_id, earnings_id)
     CROSS JOIN LATERAL (VALUES (t.wallet_id, -t.amount), (t.earnings_id, t.amount - t.fee),
                                (p_platform, t.fee)) AS e(account_id, amount)
     WHERE t.outcome = 'posted' AND e.amount <> 0
     ORDER BY e.account_id, t.tid;

    RETURN QUERY
    SELECT t.i::integer, t.outcome, t.tid, t.name, t.after,
           CASE WHEN t.outcome = 'posted' THEN eb.total END
      FROM unnest(v_outcome, v_tid, v_after, v_name, p_creators) WITH ORDINALITY
           AS t(outcome, tid, after, name, creator, i)
      LEFT JOIN (SELECT a.user_id, sum(a.balance)::bigint AS total FROM wallet_accounts a
                  WHERE a.kind = 'earnings' AND a.user_id = ANY (p_creators)
                  GROUP BY a.user_id) eb ON eb.user_id = t.creator;
END $$;
