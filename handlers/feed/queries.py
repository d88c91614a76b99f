"""SQL of the feed domain: posts, stories and the reads behind every feed.

Every read that shows posts to a viewer goes through one of two visibility predicates below,
so blocks, mutes, deletes, circle membership and story expiry hold on every read path.
"""

# A post as the viewer ($1) sees it. `p` is posts.
POST_COLUMNS = """
p.id::text AS id, p.seq, p.author_id::text AS author_id, au.display_name AS author_name,
apr.handle AS author_handle, coalesce(apr.verified, false) AS author_verified,
p.kind, p.body, p.media_id, p.visibility, p.circle_id::text AS circle_id, p.is_story,
p.expires_at, p.status, p.reaction_counts, p.reaction_total, p.comment_count, p.created_at,
p.published_at, p.edited_at,
(SELECT r.kind FROM reactions r WHERE r.target_kind = 'post' AND r.target_id = p.id
   AND r.user_id = $1) AS my_reaction
"""
POST_JOINS = """
JOIN users au ON au.id = p.author_id
LEFT JOIN profiles apr ON apr.user_id = p.author_id
"""

NOT_BLOCKED = """
NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = p.author_id)
                                     OR (b.blocker_id = p.author_id AND b.blocked_id = $1))
"""
NOT_MUTED = "NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = $1 AND m.muted_id = p.author_id)"

# The general rule: may viewer $1 see post p at time $2?
VISIBLE = f"""
(p.status = 'published'
 OR (p.author_id = $1 AND p.status IN ('held', 'pending_media', 'media_failed')))
AND (NOT p.is_story OR p.expires_at > $2)
AND {NOT_BLOCKED}
AND (p.author_id = $1 OR p.visibility IN ('public', 'subscribers')
     OR (p.visibility = 'followers' AND EXISTS (
            SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = p.author_id))
     OR (p.visibility = 'circle' AND EXISTS (
            SELECT 1 FROM circle_members cm WHERE cm.circle_id = p.circle_id
              AND cm.user_id = $1 AND cm.status = 'active')))
"""

# Home timelines hold followees' (and one's own) non-circle, non-story posts.
HOME_VISIBLE = f"""
p.status = 'published' AND NOT p.is_story AND p.visibility <> 'circle'
AND (p.author_id = $1 OR EXISTS (SELECT 1 FROM follows f
                                 WHERE f.follower_id = $1 AND f.followee_id = p.author_id))
AND {NOT_BLOCKED} AND {NOT_MUTED}
"""

GET_POST = f"SELECT {POST_COLUMNS}, ({VISIBLE}) AS visible FROM posts p {POST_JOINS} WHERE p.id = $3"

POST_ROW = "SELECT * FROM posts WHERE id = $1"
POST_ROW_FOR_UPDATE = "SELECT * FROM posts WHERE id = $1 FOR UPDATE"

MAX_SEQ = "SELECT coalesce(max(seq), 0) FROM posts"

MEDIA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('feed-media:' || $1))"
# Ready: the media worker said so (feed_media_ready), or the upload's row ($2) is ready.
MEDIA_READY = """
SELECT EXISTS (SELECT 1 FROM feed_media_ready WHERE media_id = $1)
    OR EXISTS (SELECT 1 FROM media WHERE id = $2::uuid AND status = 'ready')
"""
# Whose media a post may carry: an upload (media domain) or a live recording (live domain).
MEDIA_OWNER = "SELECT owner_id::text, status FROM media WHERE id = $1::uuid"
LIVE_MEDIA_OWNER = "SELECT creator_id::text FROM live_streams WHERE id = $1::uuid"
FOLLOWER_COUNT = """
SELECT coalesce((SELECT followers FROM social_counts WHERE user_id = $1::uuid), 0)
"""
MARK_MEDIA_READY = "INSERT INTO feed_media_ready (media_id) VALUES ($1) ON CONFLICT DO NOTHING"
PENDING_FOR_MEDIA = """
SELECT id::text FROM posts WHERE media_id = $1 AND status = 'pending_media'
"""
# Videos that are ready while posts still wait for them (the media worker died between
# marking the video ready and telling the feed).
READY_MEDIA_WITH_PENDING_POSTS = """
SELECT DISTINCT p.media_id FROM posts p
WHERE p.status = 'pending_media'
  AND (EXISTS (SELECT 1 FROM feed_media_ready r WHERE r.media_id = p.media_id)
       OR EXISTS (SELECT 1 FROM media m WHERE m.id::text = p.media_id AND m.status = 'ready'))
LIMIT 100
"""
# Posts waiting on a video that failed: kept for their author as failed, never published.
FAIL_PENDING_FOR_MEDIA = """
UPDATE posts SET status = 'media_failed'
WHERE media_id = $1 AND status = 'pending_media' RETURNING id::text, author_id::text
"""
FAILED_MEDIA_WITH_PENDING_POSTS = """
SELECT DISTINCT p.media_id FROM posts p
JOIN media m ON m.id::text = p.media_id AND m.status = 'failed'
WHERE p.status = 'pending_media'
LIMIT 100
"""
PUBLISH_PENDING = """
UPDATE posts SET status = 'published', seq = $2, published_at = now()
WHERE id = $1 AND status = 'pending_media' RETURNING id
"""

# A held post a moderator restored is published now, at a new feed position.
PUBLISH_RESTORED = """
UPDATE posts SET seq = $2, published_at = now()
WHERE id = $1 AND status = 'published' AND published_at IS NULL RETURNING id
"""

INSERT_POST = """
INSERT INTO posts (id, author_id, kind, body, media_id, visibility, circle_id, is_story,
                   expires_at, status, seq, published_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
        CASE WHEN $10 = 'published' THEN now() END)
"""

EDIT_POST = """
UPDATE posts SET body = coalesce($2, body), visibility = coalesce($3, visibility),
       circle_id = CASE WHEN coalesce($3, visibility) = 'circle' THEN circle_id ELSE NULL END,
       status = CASE WHEN $4 THEN 'held' ELSE status END, edited_at = now()
WHERE id = $1 RETURNING id
"""

DELETE_POST = """
UPDATE posts SET status = 'deleted', deleted_at = now(), body = ''
WHERE id = $1 AND status <> 'deleted' RETURNING id
"""

# Followers to fan out to, keyset-paged. Those who muted the author still get the timeline
# entry (reads filter it, so an unmute brings it back) but not the live push.
FOLLOWERS_BATCH = """
SELECT f.follower_id::text,
       EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = f.follower_id AND m.muted_id = $1)
FROM follows f
WHERE f.followee_id = $1 AND f.follower_id > $2
ORDER BY f.follower_id LIMIT $3
"""

CIRCLE_MEMBER_IDS = """
SELECT user_id::text FROM circle_members WHERE circle_id = $1 AND status = 'active'
"""

# Rebuild of a home timeline: followees below the pull threshold, plus oneself.
REBUILD_HOME = """
SELECT q.id::text, q.seq FROM (
  SELECT f.followee_id AS author_id FROM follows f
  LEFT JOIN social_counts c ON c.user_id = f.followee_id
  WHERE f.follower_id = $1 AND coalesce(c.followers, 0) < $2
  UNION ALL SELECT $1
) a
JOIN LATERAL (SELECT id, seq FROM posts
              WHERE author_id = a.author_id AND status = 'published' AND NOT is_story
                AND visibility <> 'circle' AND seq > $3 AND seq <= $4
              ORDER BY seq DESC LIMIT $5) q ON true
ORDER BY q.seq DESC LIMIT $5
"""

# Candidates of one home page: pushed ids from Redis ($2) merged with posts pulled from
# followees at or above the pull threshold ($4) — or from every followee and oneself when
# the reader is deeper than the cached timeline ($6). Rows carry `visible` so the caller
# knows how far the page reached even when some candidates are hidden.
# $3 = upper bound (inclusive), $5 = limit, $7 = lower bound (exclusive, newer pages only;
# NULL for older pages), $8 = the pushed ids' positions. Only the page's rows are hydrated.
_HOME_CANDIDATES = """
WITH pulled_from AS (
  SELECT f.followee_id AS author_id FROM follows f
  JOIN social_counts c ON c.user_id = f.followee_id
  WHERE f.follower_id = $1 AND (c.followers >= $4 OR $6)
  UNION ALL SELECT $1 WHERE $6
), cand AS (
  SELECT unnest($2::uuid[]) AS id, unnest($8::bigint[]) AS seq
  UNION
  SELECT q.id, q.seq FROM pulled_from a JOIN LATERAL (
      SELECT id, seq FROM posts WHERE author_id = a.author_id AND status = 'published'
        AND NOT is_story AND visibility <> 'circle' AND {window}
      ORDER BY seq {order} LIMIT $5) q ON true
), top AS (
  SELECT id FROM cand WHERE {cwindow} ORDER BY seq {order} LIMIT $5
)
SELECT {cols}, ({home}) AS visible
FROM top JOIN posts p ON p.id = top.id {joins}
WHERE p.seq IS NOT NULL
ORDER BY p.seq {order}
"""
HOME_OLDER = _HOME_CANDIDATES.format(
    window="seq <= $3", cwindow="seq <= $3 AND $7::bigint IS NULL", order="DESC",
    cols=POST_COLUMNS, home=HOME_VISIBLE, joins=POST_JOINS)
HOME_NEWER = _HOME_CANDIDATES.format(
    window="seq <= $3 AND seq > $7", cwindow="seq <= $3 AND seq > $7", order="ASC",
    cols=POST_COLUMNS, home=HOME_VISIBLE, joins=POST_JOINS)

PROFILE_FEED = f"""
SELECT {POST_COLUMNS} FROM posts p {POST_JOINS}
WHERE p.author_id = $3 AND NOT p.is_story AND p.seq IS NOT NULL
  AND ($4::bigint IS NULL OR p.seq < $4) AND {VISIBLE}
ORDER BY p.seq DESC LIMIT $5
"""

CIRCLE_FEED = f"""
SELECT {POST_COLUMNS} FROM posts p {POST_JOINS}
WHERE p.circle_id = $3 AND NOT p.is_story AND p.seq IS NOT NULL
  AND ($4::bigint IS NULL OR p.seq < $4) AND {VISIBLE} AND {NOT_MUTED}
ORDER BY p.seq DESC LIMIT $5
"""

# Active stories of the people one follows and one's own, newest first per author.
STORIES = f"""
SELECT {POST_COLUMNS} FROM posts p {POST_JOINS}
WHERE p.is_story AND p.expires_at > $2 AND p.status = 'published'
  AND (p.author_id = $1 OR p.author_id IN (SELECT followee_id FROM follows
                                           WHERE follower_id = $1))
  AND {VISIBLE} AND {NOT_MUTED}
ORDER BY (p.author_id = $1) DESC, p.author_id, p.seq DESC
LIMIT 500
"""

POSTS_BY_IDS = f"""
SELECT {POST_COLUMNS}, ({VISIBLE} AND {NOT_MUTED}) AS visible
FROM posts p {POST_JOINS} WHERE p.id = ANY($3::uuid[])
"""

# PDPL
EXPORT = """
SELECT coalesce(json_agg(json_build_object(
    'id', id, 'kind', kind, 'body', body, 'media_id', media_id, 'visibility', visibility,
    'circle_id', circle_id, 'is_story', is_story, 'status', status, 'created_at', created_at)
  ORDER BY created_at), '[]')
FROM posts WHERE author_id = $1
"""
ERASE = "DELETE FROM posts WHERE author_id = $1"
