-- The chat send path's statements, planned once per connection instead of once per call
-- (docs/benchmarks.md, "Chat at the database's limit (#21), night").
--
-- A statement whose parameters are arrays gets a custom plan on every execution: PostgreSQL
-- compares the generic plan's estimate (an array of unknown length) with the custom plans'
-- (the actual length), the generic one always looks dearer, and it plans again each time.
-- For the pre-moderation check that planning was most of its cost: 0.36 ms of backend CPU
-- per call for one send, 0.09 ms with a generic plan; 1.3 → 0.37 ms for sixteen. These
-- statements are index probes per element whatever the array's length, so the generic plan
-- is the one the custom plans come to anyway.
--
-- chat_precheck: batches.precheck's statement (handlers/chat/queries.py had it inline),
-- same rows: one per send whose sender is in the conversation (by id, or the DM by key),
-- whether this client_id was stored already (its columns come along: a resend returns the
-- stored message unmoderated) and, with `p_blocks` (the users domain's `blocks` table
-- exists), whether either side of a DM blocks the other.
CREATE OR REPLACE FUNCTION chat_precheck(p_convs uuid[], p_dm_keys text[], p_users uuid[],
                                         p_client_ids text[], p_blocks boolean)
RETURNS TABLE (r_i bigint, r_conversation_id text, r_joined_seq bigint, r_blocked boolean,
               r_seq bigint, r_id text, r_rev bigint, r_sender_id text, r_client_id text,
               r_kind text, r_body text, r_reply_to_seq bigint, r_media jsonb, r_data jsonb,
               r_status text, r_created_at timestamptz, r_edited_at timestamptz,
               r_deleted_at timestamptz)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    IF p_blocks THEN
        RETURN QUERY
        SELECT t.i, c.id::text, m.joined_seq,
               (c.kind = 'dm' AND EXISTS (
                   SELECT 1 FROM conversation_members o JOIN blocks b
                     ON (b.blocker_id = t.usr AND b.blocked_id = o.user_id)
                     OR (b.blocked_id = t.usr AND b.blocker_id = o.user_id)
                   WHERE o.conversation_id = c.id AND o.user_id <> t.usr)),
               e.seq, e.id::text, e.rev, e.sender_id::text, e.client_id, e.kind, e.body,
               e.reply_to_seq, e.media, e.data, e.status, e.created_at, e.edited_at,
               e.deleted_at
        FROM unnest(p_convs, p_dm_keys, p_users, p_client_ids)
             WITH ORDINALITY AS t(conv, dm_key, usr, cid, i)
        JOIN conversations c ON c.id = coalesce(
            t.conv, (SELECT d.id FROM conversations d WHERE d.dm_key = t.dm_key))
        JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = t.usr
        LEFT JOIN messages e
          ON e.conversation_id = c.id AND e.sender_id = t.usr AND e.client_id = t.cid;
    ELSE
        RETURN QUERY
        SELECT t.i, c.id::text, m.joined_seq, false,
               e.seq, e.id::text, e.rev, e.sender_id::text, e.client_id, e.kind, e.body,
               e.reply_to_seq, e.media, e.data, e.status, e.created_at, e.edited_at,
               e.deleted_at
        FROM unnest(p_convs, p_dm_keys, p_users, p_client_ids)
             WITH ORDINALITY AS t(conv, dm_key, usr, cid, i)
        JOIN conversations c ON c.id = coalesce(
            t.conv, (SELECT d.id FROM conversations d WHERE d.dm_key = t.dm_key))
        JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = t.usr
        LEFT JOIN messages e
          ON e.conversation_id = c.id AND e.sender_id = t.usr AND e.client_id = t.cid;
    END IF;
END
$$;

-- the store: its six statements are array joins too (0202)
ALTER FUNCTION chat_send_messages(uuid[], uuid[], text[], text[], bigint[], jsonb[], text[],
                                  jsonb[])
    SET plan_cache_mode = force_generic_plan;
