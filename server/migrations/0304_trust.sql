-- Trust score (users domain): the last computed score with its factors, and the signals other
-- domains record (upheld reports from moderation) through handlers.users.trust.
CREATE TABLE trust_scores (
    user_id      uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    score        integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    factors      jsonb NOT NULL DEFAULT '[]',
    computed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trust_signals (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('upheld_report')),
    ref         text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, kind, ref)
);
