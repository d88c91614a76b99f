-- Interactions: reactions, threaded comments, notifications (grouped).
CREATE SEQUENCE comment_seq;

CREATE TABLE comments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id          uuid NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    author_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    parent_id        uuid REFERENCES comments(id) ON DELETE CASCADE,
    depth            integer NOT NULL DEFAULT 0,
    -- materialised path of zero-padded sequence numbers: sorting by it is thread order
    path             text NOT NULL UNIQUE,
    body             text NOT NULL CHECK (length(body) <= 2000),
    status           text NOT NULL DEFAULT 'published'
                     CHECK (status IN ('published', 'held', 'deleted')),
    reaction_counts  jsonb NOT NULL DEFAULT '{}',
    reaction_total   integer NOT NULL DEFAULT 0,
    reply_count      integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    edited_at        timestamptz,
    deleted_at       timestamptz
);
CREATE INDEX comments_post_path ON comments (post_id, path);
CREATE INDEX comments_author ON comments (author_id);

CREATE TABLE reactions (
    target_kind  text NOT NULL CHECK (target_kind IN ('post', 'comment')),
    target_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_kind, target_id, user_id)
);
CREATE INDEX reactions_user ON reactions (user_id);

-- One row per (recipient, group) while unread: "Ahmed and 12 others reacted to your post".
CREATE TABLE notifications (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         text NOT NULL,
    group_key    text NOT NULL,
    target_kind  text,
    target_id    text,
    last_actor   uuid,
    actor_count  integer NOT NULL DEFAULT 0,
    data         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz
);
CREATE UNIQUE INDEX notifications_open_group ON notifications (user_id, group_key)
    WHERE read_at IS NULL;
CREATE INDEX notifications_user_updated ON notifications (user_id, updated_at DESC, id DESC);

CREATE TABLE notification_actors (
    notification_id  uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    actor_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_actor ON notification_actors (actor_id);
