"""SQL of the interactions domain: reactions, threaded comments, grouped notifications."""

# ------------------------------------------------------------------ reactions
REACTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('react:' || $1 || ':' || $2))"
MY_REACTION = """
SELECT kind FROM reactions WHERE target_kind = $1 AND target_id = $2 AND user_id = $3
"""
INSERT_REACTION = """
INSERT INTO reactions (target_kind, target_id, user_id, kind) VALUES ($1, $2, $3, $4)
"""
SWITCH_REACTION = """
UPDATE reactions SET kind = $4, created_at = now()
WHERE target_kind = $1 AND target_id = $2 AND user_id = $3
"""
DELETE_REACTION = """
DELETE FROM reactions WHERE target_kind = $1 AND target_id = $2 AND user_id = $3 RETURNING kind
"""
# Counts move in the target's row: one row lock serialises concurrent reactions, so the
# counts stay exact. $2 = kind added (or NULL), $3 = kind removed (or NULL), $4 = total delta.
_BUMP = """
UPDATE {table} SET reaction_counts = (
    SELECT coalesce(jsonb_object_agg(k, v), '{{}}'::jsonb) FROM (
        SELECT k, sum(v)::int AS v FROM (
            SELECT key AS k, value::int AS v FROM jsonb_each_text(reaction_counts)
            UNION ALL SELECT $2::text, 1 WHERE $2::text IS NOT NULL
            UNION ALL SELECT $3::text, -1 WHERE $3::text IS NOT NULL) x
        GROUP BY k HAVING sum(v) <> 0) y),
    reaction_total = reaction_total + $4
WHERE id = $1 RETURNING reaction_counts, reaction_total
"""
BUMP_POST_REACTIONS = _BUMP.format(table="posts")
BUMP_COMMENT_REACTIONS = _BUMP.format(table="comments")

# ------------------------------------------------------------------ comments
COMMENT_COLUMNS = """
c.id::text AS id, c.post_id::text AS post_id, c.parent_id::text AS parent_id, c.depth,
c.path, c.author_id::text AS author_id, u.display_name AS author_name, pr.handle AS author_handle,
coalesce(pr.verified, false) AS author_verified, c.body, c.status, c.reaction_counts,
c.reaction_total, c.reply_count, c.created_at, c.edited_at
"""
COMMENT_JOINS = """
JOIN users u ON u.id = c.author_id
LEFT JOIN profiles pr ON pr.user_id = c.author_id
"""
COMMENT_ROW = "SELECT * FROM comments WHERE id = $1"
COMMENT_ROW_FOR_UPDATE = "SELECT * FROM comments WHERE id = $1 FOR UPDATE"
LOCK_POST = "SELECT status, author_id::text FROM posts WHERE id = $1 FOR UPDATE"
NEXT_COMMENT_SEQ = "SELECT nextval('comment_seq')"
INSERT_COMMENT = """
INSERT INTO comments (id, post_id, author_id, parent_id, depth, path, body, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
GET_COMMENT = f"SELECT {COMMENT_COLUMNS} FROM comments c {COMMENT_JOINS} WHERE c.id = $1"
BUMP_POST_COMMENTS = "UPDATE posts SET comment_count = comment_count + $2 WHERE id = $1"
BUMP_REPLIES = "UPDATE comments SET reply_count = reply_count + $2 WHERE id = $1"
DELETE_COMMENT = """
UPDATE comments SET status = 'deleted', body = '', deleted_at = now() WHERE id = $1
"""

# Thread order (depth-first by materialised path), after the cursor's path, inside a
# subtree when $4 is a parent's path. Comments of users on either side of a block with the
# viewer ($1), or muted by them, are left out; deleted ones stay as placeholders.
COMMENTS_PAGE = f"""
SELECT {COMMENT_COLUMNS} FROM comments c {COMMENT_JOINS}
WHERE c.post_id = $2 AND c.path > $3
  AND ($4::text IS NULL OR c.path LIKE $4 || '.%')
  AND (c.status IN ('published', 'deleted') OR (c.status = 'held' AND c.author_id = $1))
  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = c.author_id)
                                           OR (b.blocker_id = c.author_id AND b.blocked_id = $1))
  AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = $1 AND m.muted_id = c.author_id)
ORDER BY c.path LIMIT $5
"""

USER_IDS_BY_HANDLES = """
SELECT user_id::text FROM profiles WHERE lower(handle) = ANY($1::text[])
"""

# ------------------------------------------------------------------ PDPL
EXPORT = """
SELECT json_build_object(
  'comments', (SELECT coalesce(json_agg(json_build_object('id', id, 'post_id', post_id,
                'parent_id', parent_id, 'body', body, 'status', status,
                'created_at', created_at) ORDER BY created_at), '[]')
               FROM comments WHERE author_id = $1),
  'reactions', (SELECT coalesce(json_agg(json_build_object('target_kind', target_kind,
                 'target_id', target_id, 'kind', kind, 'created_at', created_at)), '[]')
                FROM reactions WHERE user_id = $1),
  'notifications', (SELECT coalesce(json_agg(json_build_object('kind', kind,
                     'target_kind', target_kind, 'target_id', target_id,
                     'actor_count', actor_count, 'created_at', created_at,
                     'read_at', read_at)), '[]')
                    FROM notifications WHERE user_id = $1))
"""
ERASE = (
    # Give back the counts the user's reactions held, then remove what they wrote.
    """UPDATE posts p SET reaction_total = greatest(p.reaction_total - 1, 0),
           reaction_counts = CASE WHEN (p.reaction_counts->>r.kind)::int > 1
               THEN jsonb_set(p.reaction_counts, ARRAY[r.kind],
                              to_jsonb((p.reaction_counts->>r.kind)::int - 1))
               ELSE p.reaction_counts - r.kind END
       FROM reactions r WHERE r.user_id = $1 AND r.target_kind = 'post' AND r.target_id = p.id""",
    "DELETE FROM reactions WHERE user_id = $1",
    "UPDATE comments SET body = '', status = 'deleted', deleted_at = now() WHERE author_id = $1",
    "DELETE FROM notifications WHERE user_id = $1",
    "DELETE FROM notification_actors WHERE actor_id = $1",
)
