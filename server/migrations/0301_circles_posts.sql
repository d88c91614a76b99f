-- Circles and posts (users + feed domains). Posts reference media by id only (uploads live in
-- the 0400 range, built in parallel): a video post waits in 'pending_media' until the media
-- worker calls handlers.feed.actions.do_mark_media_ready.
CREATE TABLE circles (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description  text NOT NULL DEFAULT '',
    join_policy  text NOT NULL DEFAULT 'open' CHECK (join_policy IN ('open', 'approval', 'invite')),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE circle_members (
    circle_id   uuid NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'requested', 'invited')),
    invited_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (circle_id, user_id)
);
CREATE INDEX circle_members_user ON circle_members (user_id) WHERE status = 'active';

CREATE SEQUENCE post_feed_seq;

CREATE TABLE posts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('text', 'video', 'image')),
    body             text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    media_id         text,
    visibility       text NOT NULL DEFAULT 'public'
                     CHECK (visibility IN ('public', 'followers', 'circle')),
    circle_id        uuid REFERENCES circles(id) ON DELETE CASCADE,
    is_story         boolean NOT NULL DEFAULT false,
    expires_at       timestamptz,
    status           text NOT NULL DEFAULT 'published'
                     CHECK (status IN ('pending_media', 'held', 'published', 'deleted')),
    -- feed order: taken from post_feed_seq when the post is published; unique, increasing
    seq              bigint UNIQUE,
    reaction_counts  jsonb NOT NULL DEFAULT '{}',
    reaction_total   integer NOT NULL DEFAULT 0,
    comment_count    integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz,
    edited_at        timestamptz,
    deleted_at       timestamptz,
    CHECK ((visibility = 'circle') = (circle_id IS NOT NULL)),
    CHECK (kind = 'text' OR media_id IS NOT NULL)
);
CREATE INDEX posts_author_seq ON posts (author_id, seq DESC) WHERE status = 'published';
CREATE INDEX posts_circle_seq ON posts (circle_id, seq DESC) WHERE status = 'published';
CREATE INDEX posts_pending_media ON posts (media_id) WHERE status = 'pending_media';
CREATE INDEX posts_public_seq ON posts (seq DESC) WHERE status = 'published' AND visibility = 'public';
