-- Trending recompute scans recent public posts by publication time.
CREATE INDEX posts_trending_window ON posts (published_at)
    WHERE status = 'published' AND visibility = 'public' AND NOT is_story;
