-- Wallet ledger: double-entry accounts, immutable transfers and entries, idempotency keys.
-- Invariants enforced here, not only in Python:
--   * entries and transfers are never updated or deleted (triggers reject UPDATE/DELETE/TRUNCATE);
--   * every transfer's entries sum to zero (deferred constraint trigger, checked at COMMIT);
--   * the cached balance of a user account equals the sum of its entries (only the entries
--     trigger may change it) and is never below zero (CHECK).
-- Amounts are integer piastres (EGP x 100).

CREATE TABLE wallet_accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('wallet', 'earnings', 'platform_revenue',
                                             'provider_clearing', 'cashout_payable')),
    user_id    uuid REFERENCES users(id),
    provider   text,
    -- A creator's earnings are spread over a few shard accounts, so tips to one creator do
    -- not all queue on one row lock (each commit holds its lock through the WAL flush).
    -- Their earnings balance is the sum of the shards' balances.
    shard      smallint NOT NULL DEFAULT 0,
    -- Cached for user-owned accounts (wallet, earnings). System accounts keep NULL and are
    -- derived from entries, so the platform account is not a hot row every tip must lock.
    balance    bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_user_accounts_have_owner
        CHECK ((kind IN ('wallet', 'earnings')) = (user_id IS NOT NULL)),
    CONSTRAINT wallet_user_accounts_cache_balance
        CHECK ((kind IN ('wallet', 'earnings')) = (balance IS NOT NULL)),
    CONSTRAINT wallet_balance_not_negative CHECK (balance IS NULL OR balance >= 0),
    CONSTRAINT wallet_account_unique UNIQUE NULLS NOT DISTINCT (kind, user_id, provider, shard)
);

CREATE TABLE wallet_transfers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('topup', 'tip', 'subscription', 'cashout_hold',
                                             'cashout_paid', 'cashout_reversal', 'adjustment')),
    amount     bigint NOT NULL CHECK (amount > 0),      -- gross amount moved, piastres
    payer_id   uuid,                                     -- who paid (tips, subscriptions)
    payee_id   uuid,                                     -- who earned (creator metrics index)
    ref        text,                                     -- payment / subscription / cashout / stream id
    reverses   bigint REFERENCES wallet_transfers(id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallet_transfers_earned ON wallet_transfers (payee_id, created_at)
    INCLUDE (kind, amount, payer_id) WHERE kind IN ('tip', 'subscription');
CREATE INDEX wallet_transfers_payer ON wallet_transfers (payer_id, created_at);

CREATE TABLE wallet_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id bigint NOT NULL REFERENCES wallet_transfers(id),
    account_id  bigint NOT NULL REFERENCES wallet_accounts(id),
    amount      bigint NOT NULL CHECK (amount <> 0),     -- + credit, - debit
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallet_entries_transfer ON wallet_entries (transfer_id);
CREATE INDEX wallet_entries_account ON wallet_entries (account_id, id) INCLUDE (amount);

CREATE TABLE wallet_idempotency (
    scope        text NOT NULL,          -- operation and caller, e.g. tip:<user id>
    key          text NOT NULL,
    request_hash text NOT NULL,          -- sha256 of the canonical request body
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- Immutability ------------------------------------------------------------------------------
CREATE FUNCTION wallet_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet ledger rows are immutable (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
-- Statement-level: even an UPDATE or DELETE that matches no row is refused.
CREATE TRIGGER wallet_entries_immutable BEFORE UPDATE OR DELETE ON wallet_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_immutable();
CREATE TRIGGER wallet_entries_no_truncate BEFORE TRUNCATE ON wallet_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_immutable();
CREATE TRIGGER wallet_transfers_immutable BEFORE UPDATE OR DELETE ON wallet_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_immutable();
CREATE TRIGGER wallet_transfers_no_truncate BEFORE TRUNCATE ON wallet_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_immutable();

-- Cached balances move only with entries ----------------------------------------------------
CREATE FUNCTION wallet_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wallet_accounts SET balance = balance + NEW.amount
     WHERE id = NEW.account_id AND balance IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER wallet_entries_apply AFTER INSERT ON wallet_entries
    FOR EACH ROW EXECUTE FUNCTION wallet_apply_entry();

CREATE FUNCTION wallet_guard_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 AND NEW.balance IS DISTINCT FROM OLD.balance THEN
        RAISE EXCEPTION 'wallet balances change only through ledger entries'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER wallet_accounts_guard BEFORE UPDATE ON wallet_accounts
    FOR EACH ROW EXECUTE FUNCTION wallet_guard_balance();
CREATE TRIGGER wallet_accounts_no_delete BEFORE DELETE ON wallet_accounts
    FOR EACH ROW EXECUTE FUNCTION wallet_immutable();

-- Every transfer balances, checked at COMMIT ------------------------------------------------
CREATE FUNCTION wallet_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
    n     integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, n
      FROM wallet_entries WHERE transfer_id = NEW.id;
    IF total <> 0 OR n < 2 THEN
        RAISE EXCEPTION 'wallet transfer % does not balance (sum %, % entries)', NEW.id, total, n
            USING ERRCODE = 'check_violation', CONSTRAINT = 'wallet_transfer_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER wallet_transfers_balanced AFTER INSERT ON wallet_transfers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wallet_check_balanced();

-- Entries may only join a transfer created in the same transaction (no topping up old ones):
-- now() is the transaction's start time, so an old transfer never matches.
CREATE FUNCTION wallet_entry_same_tx() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM wallet_transfers t
                    WHERE t.id = NEW.transfer_id AND t.created_at = now()) THEN
        RAISE EXCEPTION 'entries join only a transfer created in the same transaction'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER wallet_entries_same_tx BEFORE INSERT ON wallet_entries
    FOR EACH ROW EXECUTE FUNCTION wallet_entry_same_tx();

-- One round trip for a money move ----------------------------------------------------------
-- wallet_post claims the idempotency key (if given), writes the transfer and its entries in
-- account-id order (so concurrent transfers lock account rows in one global order and never
-- deadlock), and returns {transfer_id, balances{"<kind>:<user id>": balance}} for the users
-- it touched (earnings summed over shards). A replay of the
-- key with the same hash returns the stored response with "replayed": true; a different hash
-- returns {"conflict": true}. An overdraft raises check_violation on
-- wallet_balance_not_negative and rolls everything back, key included.
CREATE FUNCTION wallet_post(p_scope text, p_key text, p_hash text, p_kind text, p_amount bigint,
                            p_payer uuid, p_payee uuid, p_ref text, p_reverses bigint,
                            p_accounts bigint[], p_amounts bigint[])
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    claimed  boolean := true;
    prior    record;
    tid      bigint;
    result   jsonb;
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO wallet_idempotency (scope, key, request_hash) VALUES (p_scope, p_key, p_hash)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS claimed = ROW_COUNT;
        IF NOT claimed THEN
            SELECT request_hash, response INTO prior FROM wallet_idempotency
             WHERE scope = p_scope AND key = p_key;
            IF prior.request_hash <> p_hash OR prior.response IS NULL THEN
                RETURN jsonb_build_object('conflict', true);
            END IF;
            RETURN prior.response || jsonb_build_object('replayed', true);
        END IF;
    END IF;
    INSERT INTO wallet_transfers (kind, amount, payer_id, payee_id, ref, reverses)
    VALUES (p_kind, p_amount, p_payer, p_payee, p_ref, p_reverses) RETURNING id INTO tid;
    INSERT INTO wallet_entries (transfer_id, account_id, amount)
    SELECT tid, a, m FROM unnest(p_accounts, p_amounts) AS u(a, m) ORDER BY a;
    SELECT jsonb_build_object(
             'transfer_id', tid,
             'balances', coalesce(jsonb_object_agg(k, total), '{}'::jsonb))
      INTO result
      FROM (SELECT a.kind || ':' || a.user_id AS k, sum(a.balance)::bigint AS total
              FROM wallet_accounts a
             WHERE (a.kind, a.user_id) IN (SELECT kind, user_id FROM wallet_accounts
                                            WHERE id = ANY (p_accounts) AND user_id IS NOT NULL)
             GROUP BY 1) b;
    IF p_key IS NOT NULL THEN
        UPDATE wallet_idempotency SET response = result WHERE scope = p_scope AND key = p_key;
    END IF;
    RETURN result || jsonb_build_object('replayed', false);
END $$;
