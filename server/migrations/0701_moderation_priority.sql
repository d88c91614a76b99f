-- Categories and priority in the review queue: threats and self-harm first (2), then scams,
-- hate and harassment in private chat (1), then the rest (0). A blocked threat is queued too
-- (target_type 'blocked_<surface>': the text was never stored anywhere else).
ALTER TABLE mod_items
    ADD COLUMN category text CHECK (category ~ '^[a-z_]{2,32}$'),
    ADD COLUMN priority smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 2);
CREATE INDEX mod_items_queue_priority ON mod_items (priority DESC, created_at)
    WHERE status <> 'decided';
