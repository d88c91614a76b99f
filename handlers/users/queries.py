"""SQL of the users domain: profiles, the follow/block/mute graph, counters."""

USER_EXISTS = "SELECT status FROM users WHERE id = $1"

PROFILE_BY_ID = """
SELECT u.id::text AS id, u.display_name, u.role, u.status, u.created_at,
       p.handle, coalesce(p.bio, '') AS bio, p.avatar_media_id,
       coalesce(p.language, 'ar-EG') AS language, coalesce(p.interests, '{}') AS interests,
       coalesce(p.verified, false) AS verified,
       coalesce(c.followers, 0) AS followers, coalesce(c.following, 0) AS following,
       (SELECT count(*) FROM posts q WHERE q.author_id = u.id AND q.status = 'published'
          AND NOT q.is_story) AS posts,
       t.score AS trust_score
FROM users u
LEFT JOIN profiles p ON p.user_id = u.id
LEFT JOIN social_counts c ON c.user_id = u.id
LEFT JOIN trust_scores t ON t.user_id = u.id
WHERE u.id = $1
"""

USER_ID_BY_HANDLE = "SELECT user_id::text FROM profiles WHERE lower(handle) = lower($1)"

USER_IDS_BY_HANDLES = """
SELECT user_id::text AS id, handle FROM profiles WHERE lower(handle) = ANY($1::text[])
"""

# viewer ($1) against another user ($2)
RELATION = """
SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2) AS following,
       EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1) AS followed_by,
       EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocking,
       EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1) AS blocked_by,
       EXISTS (SELECT 1 FROM mutes WHERE muter_id = $1 AND muted_id = $2) AS muting
"""

EITHER_BLOCKED = """
SELECT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2)
                                        OR (blocker_id = $2 AND blocked_id = $1))
"""

UPSERT_PROFILE = """
INSERT INTO profiles (user_id, handle, bio, avatar_media_id, language, interests, updated_at)
VALUES ($1, $2, coalesce($3, ''), $4, coalesce($5, 'ar-EG'), coalesce($6, '{}'::text[]), now())
ON CONFLICT (user_id) DO UPDATE SET
    handle = coalesce($2, profiles.handle),
    bio = coalesce($3, profiles.bio),
    avatar_media_id = coalesce($4, profiles.avatar_media_id),
    language = coalesce($5, profiles.language),
    interests = coalesce($6, profiles.interests),
    updated_at = now()
"""

HANDLE_TAKEN = """
SELECT EXISTS (SELECT 1 FROM profiles WHERE lower(handle) = lower($1) AND user_id <> $2)
"""

SET_DISPLAY_NAME = "UPDATE users SET display_name = $2 WHERE id = $1"

SET_VERIFIED = """
INSERT INTO profiles (user_id, handle, verified, verified_at, verified_by)
VALUES ($1::uuid, 'user_' || substr(replace($1::uuid::text, '-', ''), 1, 12), $2,
        CASE WHEN $2 THEN now() END, $3)
ON CONFLICT (user_id) DO UPDATE SET verified = $2,
    verified_at = CASE WHEN $2 THEN now() END, verified_by = $3, updated_at = now()
"""

INSERT_FOLLOW = """
INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING RETURNING true
"""
DELETE_FOLLOW = "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING true"

# Counters move with the edge, in the same transaction; rows are locked in id order so two
# concurrent follows between the same pair of users cannot deadlock.
BUMP_COUNTS = """
INSERT INTO social_counts AS c (user_id, followers, following)
SELECT id, CASE WHEN id = $2 THEN greatest($3, 0) ELSE 0 END,
           CASE WHEN id = $1 THEN greatest($3, 0) ELSE 0 END
FROM unnest(ARRAY[$1, $2]::uuid[]) AS id ORDER BY id
ON CONFLICT (user_id) DO UPDATE SET
    followers = c.followers + CASE WHEN c.user_id = $2 THEN $3 ELSE 0 END,
    following = c.following + CASE WHEN c.user_id = $1 THEN $3 ELSE 0 END
"""

INSERT_BLOCK = """
INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true
"""
DELETE_BLOCK = "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING true"
INSERT_MUTE = """
INSERT INTO mutes (muter_id, muted_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true
"""
DELETE_MUTE = "DELETE FROM mutes WHERE muter_id = $1 AND muted_id = $2 RETURNING true"

FOLLOWER_COUNT = "SELECT coalesce((SELECT followers FROM social_counts WHERE user_id = $1), 0)"

# Lists page newest first by (created_at, id); the viewer ($2) never sees users on either
# side of a block with them.
_LIST = """
SELECT f.{other}::text AS id, u.display_name, p.handle, coalesce(p.verified, false) AS verified,
       f.created_at
FROM follows f
JOIN users u ON u.id = f.{other}
LEFT JOIN profiles p ON p.user_id = f.{other}
WHERE f.{me} = $1
  AND ($3::timestamptz IS NULL OR (f.created_at, f.{other}) < ($3, $4::uuid))
  AND NOT EXISTS (SELECT 1 FROM blocks b
                  WHERE (b.blocker_id = $2 AND b.blocked_id = f.{other})
                     OR (b.blocker_id = f.{other} AND b.blocked_id = $2))
ORDER BY f.created_at DESC, f.{other} DESC
LIMIT $5
"""
FOLLOWERS_PAGE = _LIST.format(me="followee_id", other="follower_id")
FOLLOWING_PAGE = _LIST.format(me="follower_id", other="followee_id")

# Circles
INSERT_CIRCLE = """
INSERT INTO circles (id, owner_id, name, description, join_policy) VALUES ($1, $2, $3, $4, $5)
"""
CIRCLE = """
SELECT c.id::text AS id, c.name, c.description, c.join_policy, c.owner_id::text AS owner_id,
       c.created_at,
       (SELECT count(*) FROM circle_members m WHERE m.circle_id = c.id
          AND m.status = 'active') AS members
FROM circles c WHERE c.id = $1
"""
MEMBERSHIP = "SELECT role, status FROM circle_members WHERE circle_id = $1 AND user_id = $2"
MEMBERSHIP_FOR_UPDATE = MEMBERSHIP + " FOR UPDATE"
ADD_MEMBER = """
INSERT INTO circle_members (circle_id, user_id, role, status, invited_by)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (circle_id, user_id) DO UPDATE SET status = EXCLUDED.status
"""
SET_STATUS = "UPDATE circle_members SET status = $3 WHERE circle_id = $1 AND user_id = $2"
SET_ROLE = "UPDATE circle_members SET role = $3 WHERE circle_id = $1 AND user_id = $2"
REMOVE = "DELETE FROM circle_members WHERE circle_id = $1 AND user_id = $2"
MANAGERS = """
SELECT user_id::text FROM circle_members WHERE circle_id = $1 AND status = 'active'
  AND role IN ('owner', 'admin')
"""
MEMBERS_PAGE = """
SELECT m.user_id::text AS id, u.display_name, p.handle, m.role, m.status, m.created_at
FROM circle_members m JOIN users u ON u.id = m.user_id
LEFT JOIN profiles p ON p.user_id = m.user_id
WHERE m.circle_id = $1 AND (m.status = 'active' OR $4) AND m.user_id::text > $2
ORDER BY m.user_id LIMIT $3
"""
MY_CIRCLES = """
SELECT c.id::text AS id, c.name, c.join_policy, m.role, m.status
FROM circle_members m JOIN circles c ON c.id = m.circle_id
WHERE m.user_id = $1 ORDER BY c.created_at DESC LIMIT 200
"""

# PDPL
EXPORT = """
SELECT json_build_object(
  'profile', (SELECT row_to_json(p) FROM profiles p WHERE p.user_id = $1),
  'following', (SELECT coalesce(json_agg(json_build_object('user_id', followee_id,
                 'since', created_at)), '[]') FROM follows WHERE follower_id = $1),
  'followers', (SELECT coalesce(json_agg(json_build_object('user_id', follower_id,
                 'since', created_at)), '[]') FROM follows WHERE followee_id = $1),
  'blocked', (SELECT coalesce(json_agg(blocked_id), '[]') FROM blocks WHERE blocker_id = $1),
  'muted', (SELECT coalesce(json_agg(muted_id), '[]') FROM mutes WHERE muter_id = $1),
  'trust', (SELECT row_to_json(t) FROM trust_scores t WHERE t.user_id = $1)
)
"""

# Before removing a user's edges, give back the counts they held on the other side.
ERASE_COUNTS = """
UPDATE social_counts c SET
    followers = greatest(c.followers - (SELECT count(*) FROM follows
                                         WHERE follower_id = $1 AND followee_id = c.user_id), 0),
    following = greatest(c.following - (SELECT count(*) FROM follows
                                         WHERE followee_id = $1 AND follower_id = c.user_id), 0)
WHERE c.user_id IN (SELECT followee_id FROM follows WHERE follower_id = $1
                    UNION SELECT follower_id FROM follows WHERE followee_id = $1)
"""
ERASE = (
    "DELETE FROM follows WHERE follower_id = $1 OR followee_id = $1",
    "DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1",
    "DELETE FROM mutes WHERE muter_id = $1 OR muted_id = $1",
    "DELETE FROM social_counts WHERE user_id = $1",
    "DELETE FROM profiles WHERE user_id = $1",
    "DELETE FROM trust_signals WHERE user_id = $1",
    "DELETE FROM trust_scores WHERE user_id = $1",
)
