-- Chat by group commit: many messages (or receipts) in one statement and one COMMIT.
--
-- chat_send_messages takes parallel arrays, one element per message, and gives each its own
-- outcome; a refused message stores nothing and does not affect the others:
--   not_member        the sender is not in the conversation (or it does not exist)
--   reply_not_found   reply_to names no message the sender can see
--   duplicate         (conversation, sender, client_id) is stored already, or an earlier
--                     message of this batch has it: the first message comes back
--   stored            numbered and stored; r_members are the recipients
-- A later copy of a client_id in the same batch gets the first copy's outcome (duplicate
-- when the first was stored). Every rule of the one-message statement holds per message:
-- membership and the reply target are checked at storing, under the conversation's lock;
-- seqs (and revs) are handed out under that lock, dense and in commit order; the sender's
-- own read and delivered points move to their message. Conversations are locked in id order
-- and members' rows in (conversation, user) order (as chat_advance_receipts does), so
-- batches never deadlock on each other.
CREATE FUNCTION chat_send_messages(p_convs uuid[], p_senders uuid[], p_client_ids text[],
                                   p_bodies text[], p_replies bigint[], p_media jsonb[],
                                   p_statuses text[], p_moderation jsonb[])
RETURNS TABLE (r_i integer, r_outcome text, r_id text, r_conversation_id text, r_seq bigint,
               r_rev bigint, r_sender_id text, r_client_id text, r_kind text, r_body text,
               r_reply_to_seq bigint, r_media jsonb, r_data jsonb, r_status text,
               r_created_at timestamptz, r_edited_at timestamptz, r_deleted_at timestamptz,
               r_members text[])
LANGUAGE plpgsql
-- lookups by key for a few hundred rows at most: plan once, always as index lookups (left
-- to statistics, fresh or small tables got hash joins over whole tables)
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_outcome text[];
    v_seq     bigint[];
    v_rev     bigint[];
BEGIN
    PERFORM 1 FROM conversations c WHERE c.id = ANY (p_convs) ORDER BY c.id FOR UPDATE;

    -- decide every message under those locks (a new snapshot: it sees every message
    -- committed before the locks were granted)
    WITH t AS (
        SELECT u.conv, u.sender, u.cid, u.reply, u.i,
               min(u.i) OVER (PARTITION BY u.conv, u.sender, u.cid) AS first
          FROM unnest(p_convs, p_senders, p_client_ids, p_replies)
               WITH ORDINALITY AS u(conv, sender, cid, reply, i)),
    own AS (
        SELECT t.i, t.conv, t.first, CASE
                 WHEN m.user_id IS NULL THEN 'not_member'
                 WHEN EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = t.conv
                                 AND x.sender_id = t.sender AND x.client_id = t.cid)
                      THEN 'duplicate'
                 WHEN t.reply IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM messages r WHERE r.conversation_id = t.conv
                           AND r.seq = t.reply AND r.seq > m.joined_seq
                           AND (r.status = 'visible' OR r.sender_id = t.sender))
                      THEN 'reply_not_found'
                 ELSE 'stored' END AS outcome
          FROM t LEFT JOIN conversation_members m
            ON m.conversation_id = t.conv AND m.user_id = t.sender),
    d AS (
        SELECT o.i, o.conv, CASE WHEN o.first = o.i THEN o.outcome
                                 WHEN f.outcome IN ('stored', 'duplicate') THEN 'duplicate'
                                 ELSE f.outcome END AS outcome
          FROM own o JOIN own f ON f.i = o.first),
    n AS (
        SELECT d.i, d.outcome, c.last_seq, c.last_rev,
               count(*) FILTER (WHERE d.outcome = 'stored')
                   OVER (PARTITION BY d.conv ORDER BY d.i) AS k
          FROM d LEFT JOIN conversations c ON c.id = d.conv)
    SELECT array_agg(n.outcome ORDER BY n.i),
           array_agg(CASE WHEN n.outcome = 'stored' THEN n.last_seq + n.k END ORDER BY n.i),
           array_agg(CASE WHEN n.outcome = 'stored' THEN n.last_rev + n.k END ORDER BY n.i)
      INTO v_outcome, v_seq, v_rev
      FROM n;

    INSERT INTO messages (conversation_id, seq, rev, sender_id, client_id, kind, body,
                          reply_to_seq, media, status, moderation)
    SELECT u.conv, u.seq, u.rev, u.sender, u.cid, 'text', u.body, u.reply, u.media, u.status,
           u.moderation
      FROM unnest(p_convs, v_seq, v_rev, p_senders, p_client_ids, p_bodies, p_replies,
                  p_media, p_statuses, p_moderation)
           AS u(conv, seq, rev, sender, cid, body, reply, media, status, moderation)
     WHERE u.seq IS NOT NULL;

    UPDATE conversations c SET last_seq = s.top_seq, last_rev = s.top_rev,
                               last_message_at = now()
      FROM (SELECT u.conv, max(u.seq) AS top_seq, max(u.rev) AS top_rev
              FROM unnest(p_convs, v_seq, v_rev) AS u(conv, seq, rev)
             WHERE u.seq IS NOT NULL GROUP BY u.conv) s
     WHERE c.id = s.conv;

    -- the senders' own read and delivered points move to their message
    PERFORM 1 FROM conversation_members m
      JOIN unnest(p_convs, p_senders, v_seq) AS u(conv, sender, seq)
        ON m.conversation_id = u.conv AND m.user_id = u.sender AND u.seq IS NOT NULL
     ORDER BY m.conversation_id, m.user_id FOR UPDATE OF m;
    UPDATE conversation_members m
       SET read_seq = greatest(m.read_seq, s.top), delivered_seq = greatest(m.delivered_seq, s.top)
      FROM (SELECT u.conv, u.sender, max(u.seq) AS top
              FROM unnest(p_convs, p_senders, v_seq) AS u(conv, sender, seq)
             WHERE u.seq IS NOT NULL GROUP BY u.conv, u.sender) s
     WHERE m.conversation_id = s.conv AND m.user_id = s.sender;

    RETURN QUERY
    SELECT u.i::integer, u.outcome, x.id::text, x.conversation_id::text, x.seq, x.rev,
           x.sender_id::text, x.client_id, x.kind, x.body, x.reply_to_seq, x.media, x.data,
           x.status, x.created_at, x.edited_at, x.deleted_at,
           CASE WHEN u.outcome = 'stored' THEN
               (SELECT array_agg(cm.user_id::text) FROM conversation_members cm
                 WHERE cm.conversation_id = u.conv) END
      FROM unnest(p_convs, p_senders, p_client_ids, v_outcome)
           WITH ORDINALITY AS u(conv, sender, cid, outcome, i)
      LEFT JOIN messages x ON u.outcome IN ('stored', 'duplicate')
            AND x.conversation_id = u.conv AND x.sender_id = u.sender AND x.client_id = u.cid;
END $$;

-- Receipts in one statement: at most one per (conversation, user) per batch (the caller's
-- batcher holds a later one for the next batch). Each moves the user's read point (kind
-- 'read', which also moves delivered) or delivered point forward, never past the last
-- message. r_member false: not in the conversation (nothing moved). r_upto: the new point,
-- NULL when it did not move. r_members: who is told (when it moved).
CREATE FUNCTION chat_advance_receipts(p_convs uuid[], p_users uuid[], p_seqs bigint[],
                                      p_kinds text[])
RETURNS TABLE (r_i integer, r_member boolean, r_upto bigint, r_members text[])
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    IF cardinality(p_convs) <> (SELECT count(DISTINCT (c, u)) FROM unnest(p_convs, p_users)
                                AS t(c, u)) THEN
        RAISE EXCEPTION 'a receipt batch holds at most one receipt per member'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM 1 FROM conversation_members m
      JOIN unnest(p_convs, p_users) AS t(conv, usr)
        ON m.conversation_id = t.conv AND m.user_id = t.usr
     ORDER BY m.conversation_id, m.user_id FOR UPDATE OF m;
    RETURN QUERY
    WITH t AS (
        SELECT * FROM unnest(p_convs, p_users, p_seqs, p_kinds)
               WITH ORDINALITY AS t(conv, usr, seq, kind, i)),
    up AS (
        UPDATE conversation_members m
           SET read_seq = CASE WHEN t.kind = 'read'
                               THEN greatest(m.read_seq, least(t.seq, c.last_seq))
                               ELSE m.read_seq END,
               delivered_seq = greatest(m.delivered_seq, least(t.seq, c.last_seq))
          FROM t JOIN conversations c ON c.id = t.conv
         WHERE m.conversation_id = t.conv AND m.user_id = t.usr
           AND CASE WHEN t.kind = 'read' THEN m.read_seq < least(t.seq, c.last_seq)
                    ELSE m.delivered_seq < least(t.seq, c.last_seq) END
        RETURNING t.i, CASE WHEN t.kind = 'read' THEN m.read_seq ELSE m.delivered_seq END
                  AS upto)
    SELECT t.i::integer,
           EXISTS (SELECT 1 FROM conversation_members l WHERE l.conversation_id = t.conv
                      AND l.user_id = t.usr),
           up.upto,
           CASE WHEN up.upto IS NOT NULL THEN
               (SELECT array_agg(cm.user_id::text) FROM conversation_members cm
                 WHERE cm.conversation_id = t.conv) END
      FROM t LEFT JOIN up ON up.i = t.i
     ORDER BY t.i;
END $$;
