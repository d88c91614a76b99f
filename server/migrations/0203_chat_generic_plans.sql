-- The pre-moderation check of chat sends (batches.precheck; handlers/chat/queries.py had it
-- inline), planned once per connection instead of once per call (docs/benchmarks.md, "Chat
-- at the database's limit (#21), night").
--
-- A statement whose parameters are arrays gets a custom plan on every execution: PostgreSQL
-- compares the generic plan's estimate (an array of unknown length) with the custom plans'
-- and the generic one always looks dearer. That planning was most of the check's cost:
-- 0.36 ms of backend CPU per call for one send. Forcing the generic plan is not enough: it is
-- made once, at the connection's first call, from the statistics of that moment, and for a
-- join over the unnested arrays made on a young table it was sequential scans (0.47 ms per
-- call once the tables had grown). So the check is a loop of single-row probes by primary or
-- unique key, whose generic plan is the index probe whatever the table's size.
--
-- Same rows as before: one per send whose sender is in the conversation (by id, or the DM by
-- key), with the stored message when this client_id was sent already (a resend returns it,
-- unmoderated) and, with `p_blocks` (the users domain's `blocks` table exists), whether
-- either side of a DM blocks the other.
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
DECLARE
    v_conv uuid;
    v_blocked boolean;
BEGIN
    FOR k IN 1 .. coalesce(array_length(p_users, 1), 0) LOOP
        v_conv := coalesce(p_convs[k],
                           (SELECT d.id FROM conversations d WHERE d.dm_key = p_dm_keys[k]));
        CONTINUE WHEN v_conv IS NULL;
        v_blocked := false;
        IF p_blocks THEN  -- the blocks table exists (only then is this statement planned)
            SELECT EXISTS (
                SELECT 1 FROM conversations c
                JOIN conversation_members o ON o.conversation_id = c.id
                                           AND o.user_id <> p_users[k]
                JOIN blocks b ON (b.blocker_id = p_users[k] AND b.blocked_id = o.user_id)
                              OR (b.blocked_id = p_users[k] AND b.blocker_id = o.user_id)
                WHERE c.id = v_conv AND c.kind = 'dm')
            INTO v_blocked;
        END IF;
        RETURN QUERY
        SELECT k::bigint, c.id::text, m.joined_seq,
               v_blocked,
               e.seq, e.id::text, e.rev, e.sender_id::text, e.client_id, e.kind, e.body,
               e.reply_to_seq, e.media, e.data, e.status, e.created_at, e.edited_at,
               e.deleted_at
        FROM conversations c
        JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = p_users[k]
        LEFT JOIN messages e ON e.conversation_id = c.id AND e.sender_id = p_users[k]
                            AND e.client_id = p_client_ids[k]
        WHERE c.id = v_conv;
    END LOOP;
END
$$;
