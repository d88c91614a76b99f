-- Entries no longer reference wallet_accounts through a foreign key: the FK check takes a
-- FOR KEY SHARE lock on the account row for every entry, so every tip share-locked the one
-- platform_revenue row (multixacts on a hot row: most of a tip's database CPU under load).
-- Accounts can never be deleted (trigger), so an unlocked existence check is as strong.
ALTER TABLE wallet_entries DROP CONSTRAINT wallet_entries_account_id_fkey;

CREATE OR REPLACE FUNCTION wallet_entry_same_tx() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM wallet_transfers t
                    WHERE t.id = NEW.transfer_id AND t.created_at = now()) THEN
        RAISE EXCEPTION 'entries join only a transfer created in the same transaction'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM wallet_accounts a WHERE a.id = NEW.account_id) THEN
        RAISE EXCEPTION 'no wallet account %', NEW.account_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
