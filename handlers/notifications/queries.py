"""The SQL of notifications."""
from __future__ import annotations

# Recipient ($1) never hears from someone on either side of a block, or whom they muted.
MAY_NOTIFY = """
SELECT NOT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2)
                                          OR (blocker_id = $2 AND blocked_id = $1))
   AND NOT EXISTS (SELECT 1 FROM mutes WHERE muter_id = $1 AND muted_id = $2)
   AND EXISTS (SELECT 1 FROM users WHERE id = $1 AND status <> 'deleted')
"""
UPSERT_NOTIFICATION = """
INSERT INTO notifications (user_id, kind, group_key, target_kind, target_id, last_actor, data)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (user_id, group_key) WHERE read_at IS NULL DO UPDATE
SET last_actor = EXCLUDED.last_actor, updated_at = now(),
    data = notifications.data || EXCLUDED.data
RETURNING id
"""
ADD_ACTOR = """
INSERT INTO notification_actors (notification_id, actor_id) VALUES ($1, $2)
ON CONFLICT (notification_id, actor_id) DO UPDATE SET created_at = now()
RETURNING (xmax = 0) AS inserted
"""
BUMP_ACTORS = "UPDATE notifications SET actor_count = actor_count + 1 WHERE id = $1"

NOTIFICATION_COLUMNS = """
n.id::text AS id, n.kind, n.target_kind, n.target_id, n.actor_count, n.data, n.created_at,
n.updated_at, n.read_at,
(SELECT coalesce(json_agg(json_build_object('id', a.actor_id, 'display_name', u.display_name)
                          ORDER BY a.created_at DESC), '[]'::json)
 FROM (SELECT actor_id, created_at FROM notification_actors na
       WHERE na.notification_id = n.id
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = n.user_id
                           AND m.muted_id = na.actor_id)
         AND NOT EXISTS (SELECT 1 FROM blocks b
                         WHERE (b.blocker_id = n.user_id AND b.blocked_id = na.actor_id)
                            OR (b.blocker_id = na.actor_id AND b.blocked_id = n.user_id))
       ORDER BY created_at DESC LIMIT 3) a
 JOIN users u ON u.id = a.actor_id) AS actors
"""
GET_NOTIFICATION = f"SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.id = $1"
NOTIFICATIONS_PAGE = f"""
SELECT {NOTIFICATION_COLUMNS} FROM notifications n
WHERE n.user_id = $1
  AND ($2::timestamptz IS NULL OR (n.updated_at, n.id) < ($2, $3::uuid))
  AND ($5 OR n.read_at IS NULL)
ORDER BY n.updated_at DESC, n.id DESC LIMIT $4
"""
UNREAD_COUNT = "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL"
MARK_READ = """
UPDATE notifications SET read_at = now()
WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
"""
