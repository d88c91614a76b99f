-- Chat: conversations (1:1 DMs and groups), members with receipts, messages with a
-- per-conversation sequence. `last_seq` numbers messages; `last_rev` numbers every change
-- (new message, edit, delete) so a reconnecting client can also catch edits it missed.
CREATE TABLE conversations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('dm', 'group')),
    title       text CHECK (title IS NULL OR length(title) <= 100),
    dm_key      text UNIQUE,  -- 'lower-uuid:higher-uuid' for a DM: one conversation per pair
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    last_seq    bigint NOT NULL DEFAULT 0,
    last_rev    bigint NOT NULL DEFAULT 0,
    last_message_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'dm') = (dm_key IS NOT NULL))
);

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    joined_seq      bigint NOT NULL DEFAULT 0,  -- sees messages with seq > joined_seq
    delivered_seq   bigint NOT NULL DEFAULT 0,  -- highest seq a device of the user confirmed
    read_seq        bigint NOT NULL DEFAULT 0,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    rev             bigint NOT NULL,
    sender_id       uuid REFERENCES users(id) ON DELETE SET NULL,
    client_id       text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64),
    kind            text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'system')),
    body            text,
    reply_to_seq    bigint,
    media           jsonb,
    data            jsonb,      -- system messages: what happened (members added, renamed...)
    status          text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'held')),
    moderation      jsonb,      -- the hold decision (layer, reason) when held
    created_at      timestamptz NOT NULL DEFAULT now(),
    edited_at       timestamptz,
    deleted_at      timestamptz,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, sender_id, client_id)
);
CREATE INDEX messages_conv_rev ON messages (conversation_id, rev);
CREATE INDEX messages_sender ON messages (sender_id);
