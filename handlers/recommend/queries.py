"""SQL of the recommend domain."""

UPSERT_PROFILE = """
INSERT INTO recommend_profiles (user_id, interests, governorate, updated_at)
VALUES ($1, $2, $3, now())
ON CONFLICT (user_id) DO UPDATE SET interests = EXCLUDED.interests,
    governorate = COALESCE(EXCLUDED.governorate, recommend_profiles.governorate),
    updated_at = now()
"""

# Interests: the ones picked here, else the profile's (users domain), plus governorate.
GET_PROFILE = """
SELECT COALESCE(NULLIF(rp.interests, '{}'), p.interests, '{}') AS interests,
       rp.governorate, ue.vec
FROM users u
LEFT JOIN recommend_profiles rp ON rp.user_id = u.id
LEFT JOIN profiles p ON p.user_id = u.id
LEFT JOIN user_embeddings ue ON ue.user_id = u.id
WHERE u.id = $1
"""

UPSERT_USER_VEC = """
INSERT INTO user_embeddings (user_id, vec, updates, updated_at) VALUES ($1, $2, 1, now())
ON CONFLICT (user_id) DO UPDATE SET vec = EXCLUDED.vec,
    updates = user_embeddings.updates + 1, updated_at = now()
"""

INSERT_ENGAGEMENT = """
INSERT INTO engagements (user_id, post_id, kind, value) VALUES ($1, $2, $3, $4)
"""

# Newly published posts to index, in publish order (posts.seq), with the author's governorate.
POSTS_TO_INDEX = """
SELECT p.id::text, p.author_id::text, p.body, p.visibility, p.seq,
       extract(epoch FROM p.published_at) AS published_ts,
       rp.governorate, c.name AS circle_name
FROM posts p
LEFT JOIN recommend_profiles rp ON rp.user_id = p.author_id
LEFT JOIN circles c ON c.id = p.circle_id
WHERE p.status = 'published' AND p.seq > $1 AND NOT p.is_story
ORDER BY p.seq
LIMIT $2
"""

UPSERT_POST_EMBEDDING = """
INSERT INTO post_embeddings (post_id, author_id, lang, governorate, hashtags, vec)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (post_id) DO UPDATE SET lang = EXCLUDED.lang, governorate = EXCLUDED.governorate,
    hashtags = EXCLUDED.hashtags, vec = EXCLUDED.vec, indexed_at = now()
"""

# Indexed posts that must leave the index: deleted, held, expired or no longer public.
POSTS_TO_REMOVE = """
SELECT pe.post_id::text
FROM post_embeddings pe JOIN posts p ON p.id = pe.post_id
WHERE p.status <> 'published' OR p.visibility <> 'public'
   OR (p.expires_at IS NOT NULL AND p.expires_at <= now())
"""

DELETE_POST_EMBEDDINGS = "DELETE FROM post_embeddings WHERE post_id = ANY($1::uuid[])"

GET_POST_VEC = "SELECT vec FROM post_embeddings WHERE post_id = $1"

# Recent posts by people the user follows (candidate source "following"). Driven from the
# user's follows, newest first per followee (posts_author_seq): a plain join lets the planner
# walk every post by seq looking for followed authors, which grows with the whole table.
FOLLOWING_RECENT = """
SELECT r.id::text
FROM follows f
CROSS JOIN LATERAL (
    SELECT p.id, p.seq FROM posts p
    WHERE p.author_id = f.followee_id AND p.status = 'published' AND NOT p.is_story
      AND p.visibility IN ('public', 'followers')
      AND p.published_at > now() - interval '14 days'
    ORDER BY p.seq DESC LIMIT $2) r
WHERE f.follower_id = $1
ORDER BY r.seq DESC
LIMIT $2
"""

# Candidates the user may see, with what ranking needs. Enforces visibility, blocks (both
# ways), mutes, moderation status and story expiry: the index is never trusted for these.
HYDRATE = """
SELECT p.id::text AS id, p.author_id::text AS author_id, p.body, p.kind, p.media_id,
       p.visibility, p.reaction_total, p.comment_count,
       extract(epoch FROM p.published_at) AS published_ts,
       pe.vec, pe.lang, pe.hashtags
FROM posts p
LEFT JOIN post_embeddings pe ON pe.post_id = p.id
WHERE p.id = ANY($1::uuid[])
  AND p.status = 'published'
  AND (p.expires_at IS NULL OR p.expires_at > now())
  AND p.author_id <> $2
  AND (p.visibility = 'public'
       OR (p.visibility = 'followers' AND EXISTS (
             SELECT 1 FROM follows f WHERE f.follower_id = $2 AND f.followee_id = p.author_id))
       OR (p.visibility = 'circle' AND EXISTS (
             SELECT 1 FROM circle_members m WHERE m.circle_id = p.circle_id
               AND m.user_id = $2 AND m.status = 'active')))
  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $2 AND b.blocked_id = p.author_id)
                                           OR (b.blocker_id = p.author_id AND b.blocked_id = $2))
  AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = $2 AND m.muted_id = p.author_id)
"""

HIDDEN_AUTHORS = """
SELECT blocked_id::text FROM blocks WHERE blocker_id = $1
UNION SELECT blocker_id::text FROM blocks WHERE blocked_id = $1
UNION SELECT muted_id::text FROM mutes WHERE muter_id = $1
"""

# Recent engagement per public post, for trending (language from the embedding row).
TRENDING_SOURCE = """
SELECT p.id::text, p.reaction_total, p.comment_count,
       extract(epoch FROM p.published_at) AS published_ts, pe.lang, pe.governorate
FROM posts p JOIN post_embeddings pe ON pe.post_id = p.id
WHERE p.status = 'published' AND p.visibility = 'public' AND NOT p.is_story
  AND p.published_at > now() - make_interval(hours => $1)
"""

LATEST_PUBLIC_BEFORE = """
SELECT id::text, seq FROM posts
WHERE status = 'published' AND visibility = 'public' AND NOT is_story
  AND ($1::bigint IS NULL OR seq < $1)
ORDER BY seq DESC LIMIT $2
"""

TRUST_OF = """
SELECT user_id::text, score FROM trust_scores WHERE user_id = ANY($1::uuid[])
"""

# One post's trending inputs, if it is public, indexed and inside the window.
TRENDING_ONE = """
SELECT p.reaction_total, p.comment_count, extract(epoch FROM p.published_at) AS published_ts,
       pe.lang, pe.governorate
FROM posts p JOIN post_embeddings pe ON pe.post_id = p.id
WHERE p.id = $1 AND p.status = 'published' AND p.visibility = 'public' AND NOT p.is_story
  AND p.published_at > now() - make_interval(hours => $2)
"""

# Indexed public posts with their stored vectors, keyset-paginated by id (index rebuilds).
INDEXED_POSTS_PAGE = """
SELECT pe.post_id::text AS id, pe.author_id::text AS author_id, pe.lang, pe.governorate,
       pe.hashtags, pe.vec, p.visibility, extract(epoch FROM p.published_at) AS published_ts
FROM post_embeddings pe JOIN posts p ON p.id = pe.post_id
WHERE pe.post_id > $1::uuid AND p.status = 'published' AND p.visibility = 'public'
  AND (p.expires_at IS NULL OR p.expires_at > now())
ORDER BY pe.post_id
LIMIT $2
"""

POST_AUTHOR = "SELECT author_id::text FROM posts WHERE id = $1"

LOCK_USER_VEC = "SELECT vec FROM user_embeddings WHERE user_id = $1 FOR UPDATE"

GET_INTERESTS = """
SELECT COALESCE(NULLIF(rp.interests, '{}'), p.interests, '{}')
FROM users u
LEFT JOIN recommend_profiles rp ON rp.user_id = u.id
LEFT JOIN profiles p ON p.user_id = u.id
WHERE u.id = $1
"""

COUNT_INDEXABLE = """
SELECT count(*) FROM post_embeddings pe JOIN posts p ON p.id = pe.post_id
WHERE p.status = 'published' AND p.visibility = 'public'
  AND (p.expires_at IS NULL OR p.expires_at > now())
"""
