-- Social graph (users domain): profiles, follows, blocks, mutes.
-- `follows` is read by other domains (chat presence rule, recommendations): keep its shape.
CREATE TABLE profiles (
    user_id          uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    handle           text NOT NULL CHECK (handle ~ '^[A-Za-z0-9_.]{3,30}$'),
    bio              text NOT NULL DEFAULT '' CHECK (length(bio) <= 500),
    avatar_media_id  text,
    language         text NOT NULL DEFAULT 'ar-EG',
    interests        text[] NOT NULL DEFAULT '{}',
    verified         boolean NOT NULL DEFAULT false,
    verified_at      timestamptz,
    verified_by      uuid,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profiles_handle_lower ON profiles (lower(handle));

CREATE TABLE follows (
    follower_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    followee_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, follower_id);

CREATE TABLE blocks (
    blocker_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id);

CREATE TABLE mutes (
    muter_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    muted_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (muter_id, muted_id),
    CHECK (muter_id <> muted_id)
);
