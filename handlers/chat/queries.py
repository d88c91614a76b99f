"""The SQL of the chat domain. Membership checks live in rooms/membership.py."""

MESSAGE_COLUMNS = """id::text, conversation_id::text, seq, rev, sender_id::text, client_id, kind,
    body, reply_to_seq, media, data, status, created_at, edited_at, deleted_at"""

USER_ACTIVE = "SELECT status = 'active' FROM users WHERE id = $1"
USERS_ACTIVE = "SELECT id::text FROM users WHERE id = ANY($1::uuid[]) AND status = 'active'"

# One DM per pair: the key is the two ids in order. When a concurrent sender created it first,
# the INSERT does nothing and the caller reads it in a new statement (a fresh snapshot).
CREATE_DM = """
INSERT INTO conversations (kind, dm_key, created_by) VALUES ('dm', $1, $2)
ON CONFLICT (dm_key) DO NOTHING RETURNING id::text"""
DM_BY_KEY = "SELECT id::text FROM conversations WHERE dm_key = $1"
ADD_DM_MEMBERS = """
INSERT INTO conversation_members (conversation_id, user_id, role)
SELECT $1, u, 'member' FROM unnest($2::uuid[]) u ON CONFLICT DO NOTHING"""

CREATE_GROUP = """
INSERT INTO conversations (kind, title, created_by) VALUES ('group', $1, $2) RETURNING id::text"""
ADD_MEMBERS = """
INSERT INTO conversation_members (conversation_id, user_id, role, joined_seq)
SELECT $1, u, $3, (SELECT last_seq FROM conversations WHERE id = $1)
FROM unnest($2::uuid[]) u ON CONFLICT DO NOTHING RETURNING user_id::text"""

# Before moderation, for all the sends that arrive together (batches.precheck), one call of
# chat_precheck (migration 0203: single-row probes planned once per connection):
# one row per send whose sender is in the conversation (named by id, or by DM key when the
# id is NULL), saying whether this client_id was sent already (a resend after a lost ack
# returns the stored message, unmoderated and unsent again: its columns come along) and,
# for DMs once the users domain has `blocks` ($5), whether either side blocks the other.
PRECHECK_MANY = """
SELECT r_i AS i, r_conversation_id AS conversation_id, r_joined_seq AS joined_seq,
       r_blocked AS blocked, r_seq AS existing_seq, r_seq AS seq, r_id AS id, r_rev AS rev,
       r_sender_id AS sender_id, r_client_id AS client_id, r_kind AS kind, r_body AS body,
       r_reply_to_seq AS reply_to_seq, r_media AS media, r_data AS data, r_status AS status,
       r_created_at AS created_at, r_edited_at AS edited_at, r_deleted_at AS deleted_at
  FROM chat_precheck($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::boolean)"""

# Sends are stored in batches by chat_send_messages (migration 0201, batches.py).

# Next seq and rev, a (system) message, and the sender's own receipts, in one statement;
# used inside the transactions that change membership or titles.
INSERT_MESSAGE = f"""
WITH c AS (
    UPDATE conversations SET last_seq = last_seq + 1, last_rev = last_rev + 1,
                             last_message_at = now()
    WHERE id = $1 RETURNING last_seq, last_rev),
me AS (
    UPDATE conversation_members m SET read_seq = c.last_seq, delivered_seq = c.last_seq
    FROM c WHERE m.conversation_id = $1 AND m.user_id = $2)
INSERT INTO messages (conversation_id, seq, rev, sender_id, client_id, kind, body,
                      reply_to_seq, media, data, status, moderation)
SELECT $1, c.last_seq, c.last_rev, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM c
RETURNING {MESSAGE_COLUMNS}"""


MESSAGE_BY_SEQ_FOR_UPDATE = f"""
SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq = $2 FOR UPDATE"""

BUMP_REV = "UPDATE conversations SET last_rev = last_rev + 1 WHERE id = $1 RETURNING last_rev"

EDIT_MESSAGE = f"""
UPDATE messages SET body = $3, rev = $4, edited_at = now(), status = $5,
                    moderation = coalesce($6, moderation)
WHERE conversation_id = $1 AND seq = $2 RETURNING {MESSAGE_COLUMNS}"""

DELETE_MESSAGE = f"""
UPDATE messages SET body = NULL, media = NULL, rev = $3, deleted_at = now()
WHERE conversation_id = $1 AND seq = $2 RETURNING {MESSAGE_COLUMNS}"""

# Visible to a viewer: after they joined, and not held (unless they wrote it).
HISTORY_BEFORE = f"""
SELECT {MESSAGE_COLUMNS} FROM messages
WHERE conversation_id = $1 AND seq > $2 AND seq < $3 AND (status = 'visible' OR sender_id = $4)
ORDER BY seq DESC LIMIT $5"""

MESSAGES_AFTER = f"""
SELECT {MESSAGE_COLUMNS} FROM messages
WHERE conversation_id = $1 AND seq > $2 AND (status = 'visible' OR sender_id = $3)
ORDER BY seq LIMIT $4"""

CHANGED_SINCE = f"""
SELECT {MESSAGE_COLUMNS} FROM messages
WHERE conversation_id = $1 AND rev > $2 AND seq > $3 AND seq <= $4
  AND (status = 'visible' OR sender_id = $5)
ORDER BY rev LIMIT $6"""

MY_CONVERSATIONS_FOR_SYNC = """
SELECT c.id::text AS conversation_id, c.last_seq, c.last_rev, m.joined_seq, m.delivered_seq
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.user_id = $1"""

MY_CONVERSATIONS = """
SELECT c.id::text AS id, c.kind, c.title, c.last_seq, c.last_rev, m.role, m.read_seq,
       m.delivered_seq, c.last_message_at, c.created_at,
       (SELECT array_agg(user_id::text ORDER BY joined_at, user_id)
        FROM conversation_members WHERE conversation_id = c.id) AS members,
       (SELECT count(*) FROM messages x
        WHERE x.conversation_id = c.id AND x.seq > greatest(m.read_seq, m.joined_seq)
          AND x.kind = 'text' AND x.status = 'visible' AND x.deleted_at IS NULL
          AND x.sender_id IS DISTINCT FROM $1) AS unread
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.user_id = $1
ORDER BY coalesce(c.last_message_at, c.created_at) DESC
LIMIT $2"""

# Receipts move forward only and never past the last message.
ADVANCE_READ = """
UPDATE conversation_members m
SET read_seq = greatest(m.read_seq, least($3, c.last_seq)),
    delivered_seq = greatest(m.delivered_seq, least($3, c.last_seq))
FROM conversations c
WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
  AND m.read_seq < least($3, c.last_seq)
RETURNING m.read_seq"""

ADVANCE_DELIVERED = """
UPDATE conversation_members m
SET delivered_seq = greatest(m.delivered_seq, least($3, c.last_seq))
FROM conversations c
WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
  AND m.delivered_seq < least($3, c.last_seq)
RETURNING m.delivered_seq"""

REMOVE_MEMBER = """
DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2
RETURNING user_id::text"""

# When the last admin leaves a group, its longest-standing member becomes admin.
PROMOTE_IF_NO_ADMIN = """
UPDATE conversation_members SET role = 'admin'
WHERE conversation_id = $1 AND user_id = (
    SELECT user_id FROM conversation_members WHERE conversation_id = $1
    ORDER BY joined_at, user_id LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM conversation_members
                  WHERE conversation_id = $1 AND role = 'admin')
RETURNING user_id::text"""

SET_ROLE = """
UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2
RETURNING user_id::text"""

RENAME = "UPDATE conversations SET title = $2 WHERE id = $1 AND kind = 'group'"

# PDPL
EXPORT_MESSAGES = f"""
SELECT {MESSAGE_COLUMNS} FROM messages WHERE sender_id = $1 ORDER BY created_at"""
EXPORT_MEMBERSHIPS = """
SELECT conversation_id::text, role, joined_at, read_seq FROM conversation_members
WHERE user_id = $1"""
ERASE_MESSAGES = """
UPDATE messages SET body = NULL, media = NULL, deleted_at = coalesce(deleted_at, now())
WHERE sender_id = $1"""
