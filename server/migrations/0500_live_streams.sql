-- Live streams: one row per broadcast, its chat, and who the creator removed from the room.
CREATE TABLE live_streams (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title           text NOT NULL DEFAULT '',
    visibility      text NOT NULL DEFAULT 'public'
                    CHECK (visibility IN ('public', 'followers', 'circle', 'subscribers')),
    circle_id       uuid,  -- owned by the users domain; no FK across ranges
    key_hash        text NOT NULL,  -- sha256 of the bearer stream key; the key is shown once
    state           text NOT NULL DEFAULT 'created'
                    CHECK (state IN ('created', 'live', 'reconnecting', 'ended')),
    source_height   integer,  -- what the publisher says it will send (ladder ceiling)
    pinned          jsonb,  -- the pinned chat message, shown to everyone in the room
    vod_path        text,  -- master playlist of the recording, relative to MEDIA_ROOT
    post_id         uuid,  -- the post the recording is attached to (feeds domain)
    end_reason      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    ended_at        timestamptz
);
CREATE INDEX live_streams_creator ON live_streams (creator_id, created_at DESC);
CREATE INDEX live_streams_active ON live_streams (state) WHERE state IN ('live', 'reconnecting');

CREATE TABLE live_chat_messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id   uuid NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text        text NOT NULL,
    status      text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'held')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_chat_by_stream ON live_chat_messages (stream_id, id DESC);
CREATE INDEX live_chat_by_user ON live_chat_messages (user_id);

CREATE TABLE live_removed_viewers (
    stream_id   uuid NOT NULL REFERENCES live_streams(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    removed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, user_id)
);
