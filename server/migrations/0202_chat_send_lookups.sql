-- chat_send_messages, same contract (0201), with lookups whose cost does not grow with the
-- table (docs/benchmarks.md, "Chat at the database's limit (#21), evening"):
-- * the duplicate check was `EXISTS (SELECT 1 FROM messages ...)` inside a CASE: planned
--   (generically, once per connection) on a young table, it became a hashed subplan that read
--   the whole messages index on every batch. Now a LEFT JOIN probed per message;
-- * a later copy of a client_id in the batch took the first copy's outcome by a self-join of
--   the decisions, a nested loop of n² rows for a batch of n; now a window over the copies;
-- * the returned rows were found again by (conversation, sender, client_id), which the plan
--   did through the sender's index (every message the sender ever sent, filtered). Now the
--   ids are chosen here (gen_random_uuid, as the column default would) and the rows are read
--   back by primary key: the stored message's own, or for a duplicate the first one's.
CREATE OR REPLACE FUNCTION chat_send_messages(p_convs uuid[], p_senders uuid[], p_client_ids text[],
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
    v_ids     uuid[];
BEGIN
    PERFORM 1 FROM conversations c WHERE c.id = ANY (p_convs) ORDER BY c.id FOR UPDATE;

    -- decide every message under those locks (a new snapshot: it sees every message
    -- committed before the locks were granted)
    WITH own AS MATERIALIZED (
        SELECT u.i, u.conv, u.sender, u.cid, x.id AS dup_id, CASE
                 WHEN m.user_id IS NULL THEN 'not_member'
                 WHEN x.id IS NOT NULL THEN 'duplicate'
                 WHEN u.reply IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM messages r WHERE r.conversation_id = u.conv
                           AND r.seq = u.reply AND r.seq > m.joined_seq
                           AND (r.status = 'visible' OR r.sender_id = u.sender))
                      THEN 'reply_not_found'
                 ELSE 'stored' END AS outcome
          FROM unnest(p_convs, p_senders, p_client_ids, p_replies)
               WITH ORDINALITY AS u(conv, sender, cid, reply, i)
          LEFT JOIN conversation_members m
            ON m.conversation_id = u.conv AND m.user_id = u.sender
          LEFT JOIN messages x
            ON x.conversation_id = u.conv AND x.sender_id = u.sender AND x.client_id = u.cid),
    d AS MATERIALIZED (
        SELECT o.i, o.conv, o.sender, o.cid, o.outcome,
               CASE WHEN o.outcome = 'stored' THEN gen_random_uuid() ELSE o.dup_id END AS own_id,
               row_number() OVER w AS copy, first_value(o.outcome) OVER w AS first_outcome
          FROM own o WINDOW w AS (PARTITION BY o.conv, o.sender, o.cid ORDER BY o.i)),
    e AS (
        SELECT d.i, d.conv, CASE WHEN d.copy = 1 THEN d.outcome
                                 WHEN d.first_outcome IN ('stored', 'duplicate')
                                      THEN 'duplicate'
                                 ELSE d.first_outcome END AS outcome,
               CASE WHEN d.copy = 1 THEN d.own_id
                    ELSE first_value(d.own_id) OVER (PARTITION BY d.conv, d.sender, d.cid
                                                     ORDER BY d.i) END AS id
          FROM d),
    n AS (
        SELECT e.i, e.outcome, e.id, c.last_seq, c.last_rev,
               count(*) FILTER (WHERE e.outcome = 'stored')
                   OVER (PARTITION BY e.conv ORDER BY e.i) AS k
          FROM e LEFT JOIN conversations c ON c.id = e.conv)
    SELECT array_agg(n.outcome ORDER BY n.i),
           array_agg(CASE WHEN n.outcome = 'stored' THEN n.last_seq + n.k END ORDER BY n.i),
           array_agg(CASE WHEN n.outcome = 'stored' THEN n.last_rev + n.k END ORDER BY n.i),
           array_agg(CASE WHEN n.outcome IN ('stored', 'duplicate') THEN n.id END
                     ORDER BY n.i)
      INTO v_outcome, v_seq, v_rev, v_ids
      FROM n;

    INSERT INTO messages (id, conversation_id, seq, rev, sender_id, client_id, kind, body,
                          reply_to_seq, media, status, moderation)
    SELECT u.id, u.conv, u.seq, u.rev, u.sender, u.cid, 'text', u.body, u.reply, u.media,
           u.status, u.moderation
      FROM unnest(v_ids, p_convs, v_seq, v_rev, p_senders, p_client_ids, p_bodies, p_replies,
                  p_media, p_statuses, p_moderation)
           AS u(id, conv, seq, rev, sender, cid, body, reply, media, status, moderation)
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
      FROM unnest(p_convs, v_outcome, v_ids) WITH ORDINALITY AS u(conv, outcome, id, i)
      LEFT JOIN messages x ON x.id = u.id;
END $$;
