-- A video post whose video failed to process: kept for its author (who is told), never
-- published; the author may delete it and post again with another upload.
ALTER TABLE posts DROP CONSTRAINT posts_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_status_check
    CHECK (status IN ('pending_media', 'held', 'published', 'deleted', 'media_failed'));
