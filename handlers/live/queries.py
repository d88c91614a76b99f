"""SQL of the live domain."""

STREAM_COLUMNS = """id::text, creator_id::text, title, visibility, circle_id::text, state,
    source_height, pinned, vod_path, post_id::text, end_reason, created_at, started_at, ended_at"""

INSERT_STREAM = f"""
INSERT INTO live_streams (creator_id, title, visibility, circle_id, key_hash, source_height)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING {STREAM_COLUMNS}"""

GET_STREAM = f"SELECT {STREAM_COLUMNS} FROM live_streams WHERE id = $1"

GET_STREAM_KEY_HASH = "SELECT key_hash FROM live_streams WHERE id = $1"

SET_LIVE = f"""
UPDATE live_streams SET state = 'live', started_at = COALESCE(started_at, now())
WHERE id = $1 AND state <> 'ended'
RETURNING {STREAM_COLUMNS}"""

SET_RECONNECTING = f"""
UPDATE live_streams SET state = 'reconnecting' WHERE id = $1 AND state = 'live'
RETURNING {STREAM_COLUMNS}"""

SET_ENDED = f"""
UPDATE live_streams SET state = 'ended', ended_at = now(), end_reason = $2,
       vod_path = COALESCE($3, vod_path)
WHERE id = $1 AND state <> 'ended'
RETURNING {STREAM_COLUMNS}"""

ACTIVE_STREAMS = """
SELECT id::text, state FROM live_streams WHERE state IN ('live', 'reconnecting')"""

GET_STATE = "SELECT state FROM live_streams WHERE id = $1"

SET_PINNED = f"UPDATE live_streams SET pinned = $2 WHERE id = $1 RETURNING {STREAM_COLUMNS}"

SET_POST = "UPDATE live_streams SET post_id = $2 WHERE id = $1"

INSERT_CHAT = """
INSERT INTO live_chat_messages (stream_id, user_id, text, status) VALUES ($1, $2, $3, $4)
RETURNING id, created_at"""

GET_CHAT = """
SELECT m.id, m.user_id::text, m.text, m.status, m.created_at, m.stream_id::text
FROM live_chat_messages m WHERE m.id = $1 AND m.stream_id = $2"""

RECENT_CHAT = """
SELECT id, user_id::text, text, created_at FROM live_chat_messages
WHERE stream_id = $1 AND status = 'visible' ORDER BY id DESC LIMIT $2"""

INSERT_REMOVED = """
INSERT INTO live_removed_viewers (stream_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"""

IS_REMOVED = "SELECT 1 FROM live_removed_viewers WHERE stream_id = $1 AND user_id = $2"

EXPORT_USER = """
SELECT json_build_object(
  'streams', COALESCE((SELECT json_agg(json_build_object('id', id, 'title', title,
      'visibility', visibility, 'state', state, 'created_at', created_at,
      'started_at', started_at, 'ended_at', ended_at, 'vod_path', vod_path))
      FROM live_streams WHERE creator_id = $1), '[]'::json),
  'chat', COALESCE((SELECT json_agg(json_build_object('stream_id', stream_id, 'text', text,
      'status', status, 'created_at', created_at))
      FROM live_chat_messages WHERE user_id = $1), '[]'::json))"""

ERASE_USER_CHAT = "DELETE FROM live_chat_messages WHERE user_id = $1"
ERASE_USER_REMOVALS = "DELETE FROM live_removed_viewers WHERE user_id = $1"
ERASE_USER_STREAMS = "DELETE FROM live_streams WHERE creator_id = $1 RETURNING id::text"

# Other domains' tables with lower migration numbers (users/feeds 0300s), read by id only.
IS_FOLLOWER = """
SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2)
   AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1)"""
IS_CIRCLE_MEMBER = """
SELECT EXISTS (SELECT 1 FROM circle_members
               WHERE circle_id = $1 AND user_id = $2 AND status = 'active')"""
IS_BLOCKED_BY = "SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2)"
FOLLOWERS_BATCH = """
SELECT follower_id::text FROM follows WHERE followee_id = $1 AND follower_id > $2
ORDER BY follower_id LIMIT $3"""

LATEST_STARTED_STREAM = """
SELECT id::text, title, started_at FROM live_streams
WHERE creator_id = $1::uuid AND started_at IS NOT NULL
ORDER BY created_at DESC LIMIT 1"""
