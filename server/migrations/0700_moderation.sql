-- Moderation: the review queue (reported and automatically held content), reports, decisions,
-- one appeal per item, and each user's standing. Content lives in other domains' tables; an
-- item keeps (target_type, target_id, author_id, text snapshot) so the queue never depends on
-- them.
CREATE TABLE mod_items (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    target_type    text NOT NULL CHECK (target_type ~ '^[a-z_]{2,32}$'),
    target_id      text NOT NULL CHECK (length(target_id) BETWEEN 1 AND 128),
    author_id      uuid REFERENCES users(id) ON DELETE SET NULL,
    text_snapshot  text NOT NULL DEFAULT '',
    snapshot_from  text NOT NULL DEFAULT 'server' CHECK (snapshot_from IN ('server', 'reporter')),
    source         text NOT NULL CHECK (source IN ('report', 'auto')),
    auto_decision  jsonb,                      -- the gate's decision when held automatically
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'decided')),
    claimed_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    claimed_at     timestamptz,
    decision       text CHECK (decision IN ('remove', 'warn', 'suspend', 'restore')),
    decided_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    decided_at     timestamptz,
    decision_note  text,
    report_count   integer NOT NULL DEFAULT 0,
    appeal_status  text CHECK (appeal_status IN ('pending', 'upheld', 'overturned')),
    appeal_text    text,
    appealed_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (target_type, target_id)
);
CREATE INDEX mod_items_queue ON mod_items (created_at) WHERE status <> 'decided';
CREATE INDEX mod_items_author ON mod_items (author_id);

CREATE TABLE mod_reports (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id      uuid NOT NULL REFERENCES mod_items(id) ON DELETE CASCADE,
    reporter_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason       text NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'sexual',
                                                 'violence', 'self_harm', 'scam', 'doxxing',
                                                 'impersonation', 'other')),
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    outcome      text CHECK (outcome IN ('upheld', 'rejected')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, reporter_id)
);
CREATE INDEX mod_reports_reporter ON mod_reports (reporter_id);

-- How a user stands with moderation: as an author (strikes) and as a reporter (accuracy).
CREATE TABLE mod_standing (
    user_id           uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    strikes           integer NOT NULL DEFAULT 0,   -- upheld decisions against their content
    warnings          integer NOT NULL DEFAULT 0,
    reports_upheld    integer NOT NULL DEFAULT 0,   -- their reports that moderators upheld
    reports_rejected  integer NOT NULL DEFAULT 0,
    suspended_until   timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- PDPL (Egypt Law 151/2020): consent per purpose and policy version, with withdrawal.
CREATE TABLE pdpl_consents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose         text NOT NULL CHECK (purpose ~ '^[a-z_]{2,40}$'),
    policy_version  text NOT NULL CHECK (length(policy_version) BETWEEN 1 AND 40),
    granted_at      timestamptz NOT NULL DEFAULT now(),
    withdrawn_at    timestamptz
);
CREATE INDEX pdpl_consents_user ON pdpl_consents (user_id, purpose, granted_at DESC);

-- Append-only audit of moderation decisions and of staff access to personal data. No FK:
-- the log outlives an erased account; erasure replaces the ids with a pseudonym under the
-- guarded setting sawt.pdpl_erase (the only UPDATE the trigger lets through).
CREATE TABLE pdpl_audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid,
    actor_role   text,
    action       text NOT NULL,       -- mod_decide | mod_claim | staff_export | data_export | erasure ...
    subject_id   uuid,                -- whose personal data
    target_type  text,
    target_id    text,
    details      jsonb NOT NULL DEFAULT '{}',
    pseudonym    text                 -- set at erasure: sha256 of the erased id with a secret
);
CREATE INDEX pdpl_audit_subject ON pdpl_audit (subject_id, at);
CREATE INDEX pdpl_audit_actor ON pdpl_audit (actor_id, at);

CREATE FUNCTION pdpl_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('sawt.pdpl_erase', true) = 'on' AND TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'pdpl_audit is append-only';
END $$;
CREATE TRIGGER pdpl_audit_no_change BEFORE UPDATE OR DELETE ON pdpl_audit
    FOR EACH ROW EXECUTE FUNCTION pdpl_audit_append_only();
