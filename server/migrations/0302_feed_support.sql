-- Counters the hybrid fan-out decides on, and media the upload worker reported ready.
CREATE TABLE social_counts (
    user_id    uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    followers  integer NOT NULL DEFAULT 0 CHECK (followers >= 0),
    following  integer NOT NULL DEFAULT 0 CHECK (following >= 0)
);
CREATE INDEX social_counts_big ON social_counts (followers) WHERE followers >= 1000;

-- Media ids the media worker marked ready (handlers.feed.actions.do_mark_media_ready); a video
-- post whose media is here publishes at once, others wait in 'pending_media'.
CREATE TABLE feed_media_ready (
    media_id  text PRIMARY KEY,
    ready_at  timestamptz NOT NULL DEFAULT now()
);
