-- Recommendations: what a user chose, the learned vectors (PostgreSQL is their truth; Qdrant
-- is the index rebuilt from here), and the engagement signals that move them.
CREATE TABLE recommend_profiles (
    user_id      uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    interests    text[] NOT NULL DEFAULT '{}',
    governorate  text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_embeddings (
    user_id     uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    vec         bytea NOT NULL,           -- float32 x 512, unit length
    updates     integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE post_embeddings (
    post_id      uuid PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    author_id    uuid NOT NULL,
    lang         text NOT NULL,
    governorate  text,
    hashtags     text[] NOT NULL DEFAULT '{}',
    vec          bytea NOT NULL,          -- float32 x 512, unit length
    indexed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_embeddings_author ON post_embeddings (author_id);

CREATE TABLE engagements (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    post_id     uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('view', 'like', 'comment', 'share', 'watch',
                                              'skip', 'not_interested')),
    value       real NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engagements_user ON engagements (user_id, created_at DESC);
