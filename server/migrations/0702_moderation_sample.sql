-- A random sample of what the gate allowed on public surfaces (public posts, their comments)
-- enters the review queue as source 'sample': moderators' decisions on it show what the gate
-- lets through, which held and reported items alone never can (handlers/moderation/labels.py).
ALTER TABLE mod_items DROP CONSTRAINT mod_items_source_check,
    ADD CONSTRAINT mod_items_source_check CHECK (source IN ('report', 'auto', 'sample'));
