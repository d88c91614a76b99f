-- Top-ups through payment providers, provider callbacks seen, subscriptions, cashouts.

CREATE TABLE wallet_payments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users(id),
    provider      text NOT NULL CHECK (provider IN ('fawry', 'paymob', 'instapay')),
    method        text NOT NULL DEFAULT '',       -- PAYATFAWRY, vodafone_cash, orange_cash, ipa
    merchant_ref  text NOT NULL UNIQUE,           -- our reference sent to the provider
    provider_ref  text,                           -- fawryRefNumber / Paymob order id / bank txn
    amount        bigint NOT NULL CHECK (amount > 0),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'paid', 'failed', 'expired')),
    transfer_id   bigint REFERENCES wallet_transfers(id),
    instructions  jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    settled_at    timestamptz,
    confirmed_by  text                            -- provider | bank_partner | admin:<id>
);
CREATE INDEX wallet_payments_user ON wallet_payments (user_id, created_at DESC);
CREATE INDEX wallet_payments_pending ON wallet_payments (expires_at) WHERE status = 'pending';
CREATE UNIQUE INDEX wallet_payments_provider_ref ON wallet_payments (provider, provider_ref)
    WHERE provider_ref IS NOT NULL;

-- Every callback we accepted as authentic, keyed by the provider's own id: replays are refused.
CREATE TABLE wallet_provider_events (
    provider    text NOT NULL,
    event_key   text NOT NULL,                    -- Fawry requestId, Paymob transaction id, bank txn
    payment_id  uuid REFERENCES wallet_payments(id),
    outcome     text NOT NULL,
    body        jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_key)
);

CREATE TABLE wallet_tiers (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id uuid NOT NULL REFERENCES users(id),
    name       text NOT NULL,
    price      bigint NOT NULL CHECK (price > 0),  -- piastres per month
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creator_id, name)
);

CREATE TABLE wallet_subscriptions (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tier_id              uuid NOT NULL REFERENCES wallet_tiers(id),
    creator_id           uuid NOT NULL REFERENCES users(id),
    subscriber_id        uuid NOT NULL REFERENCES users(id),
    status               text NOT NULL CHECK (status IN ('active', 'grace', 'lapsed', 'canceled')),
    current_period_end   timestamptz NOT NULL,
    grace_until          timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- One live subscription per fan and creator.
CREATE UNIQUE INDEX wallet_subscriptions_live ON wallet_subscriptions (creator_id, subscriber_id)
    WHERE status IN ('active', 'grace');
CREATE INDEX wallet_subscriptions_due ON wallet_subscriptions (current_period_end)
    WHERE status IN ('active', 'grace');
CREATE INDEX wallet_subscriptions_creator ON wallet_subscriptions (creator_id, status);

CREATE TABLE wallet_cashouts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users(id),
    amount       bigint NOT NULL CHECK (amount > 0),
    method       text NOT NULL CHECK (method IN ('mobile_wallet', 'instapay')),
    destination  text NOT NULL,                   -- E.164 phone or InstaPay address
    status       text NOT NULL CHECK (status IN ('requested', 'approved', 'paid', 'rejected',
                                                 'failed')),
    hold_transfer_id  bigint REFERENCES wallet_transfers(id),
    final_transfer_id bigint REFERENCES wallet_transfers(id),
    provider_ref text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX wallet_cashouts_one_open ON wallet_cashouts (user_id)
    WHERE status IN ('requested', 'approved');
CREATE INDEX wallet_cashouts_user ON wallet_cashouts (user_id, created_at DESC);

-- Every state a cashout passed through, by whom: append-only.
CREATE TABLE wallet_cashout_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cashout_id  uuid NOT NULL REFERENCES wallet_cashouts(id),
    from_status text,
    to_status   text NOT NULL,
    actor_id    uuid,
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallet_cashout_events_cashout ON wallet_cashout_events (cashout_id, id);
CREATE TRIGGER wallet_cashout_events_immutable BEFORE UPDATE OR DELETE ON wallet_cashout_events
    FOR EACH ROW EXECUTE FUNCTION wallet_immutable();
