-- Identity: passwords, sessions (one per device), rotated refresh tokens, passkeys, audit log.

CREATE TABLE auth_passwords (
    user_id    uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    hash       text NOT NULL,                 -- argon2id PHC string, never logged
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A session is a device. Its refresh tokens form one family: reuse of a rotated one revokes it.
CREATE TABLE auth_sessions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label          text NOT NULL DEFAULT '',  -- "operator", "Pixel 8", "test", ...
    method         text NOT NULL DEFAULT 'password', -- password | passkey | register | operator | test
    user_agent     text,
    ip             text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL DEFAULT now() + interval '30 days',
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE auth_refresh_tokens (
    token_hash bytea PRIMARY KEY,             -- sha256 of the opaque token
    session_id uuid NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz                    -- set when used; a second use is reuse
);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);

CREATE TABLE auth_passkeys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    public_key    bytea NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0,
    transports    text[] NOT NULL DEFAULT '{}',
    aaguid        text,
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz
);
CREATE INDEX auth_passkeys_user ON auth_passkeys (user_id);

-- Append-only security log (PDPL). No codes, no passwords, no tokens. user_id has no FK so the
-- log outlives an erased account; erasure pseudonymises ip/user agent under a guarded setting.
CREATE TABLE auth_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    event      text NOT NULL,
    user_id    uuid,
    session_id uuid,
    phone_mask text,                          -- +2010*****678, for events without a user
    ip         text,
    user_agent text,
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX auth_audit_user ON auth_audit (user_id, at);

CREATE FUNCTION auth_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('sawt.audit_erase', true) = 'on' AND TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'auth_audit is append-only';
END $$;
CREATE TRIGGER auth_audit_no_change BEFORE UPDATE OR DELETE ON auth_audit
    FOR EACH ROW EXECUTE FUNCTION auth_audit_append_only();
