-- Subscriber-only posts (the wallet domain decides who is a subscriber), and which deleted
-- posts a moderator removed (those an appeal may restore; an author's own delete is final).
ALTER TABLE posts DROP CONSTRAINT posts_visibility_check;
ALTER TABLE posts ADD CONSTRAINT posts_visibility_check
    CHECK (visibility IN ('public', 'followers', 'subscribers', 'circle'));
ALTER TABLE posts ADD COLUMN removed_by_moderator boolean NOT NULL DEFAULT false;
