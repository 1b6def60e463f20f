-- +goose Up
-- Issue 19, item 2: erasure by crypto-shredding. Every case has its own
-- AES-256 data key; what is sealed for the case (its description, contact,
-- messages, evidence, decisions, remedies, referrals…) is sealed with it,
-- and the key itself is sealed ("wrapped") by a master key from the
-- configuration. Erasing a case destroys its data key: what was sealed with
-- it can no longer be opened anywhere, in the rows, in old dumps of the data
-- or in NATS, while the case record's chain still verifies.
--
-- The keys live in a schema of their own, so the data is dumped without
-- them (pg_dump --exclude-schema=keystore) and the keystore is dumped on
-- its own, kept for a short time (docs/backup.md): a restored dump of the
-- data finds no key that was destroyed after it was taken.
CREATE SCHEMA keystore;

CREATE TABLE keystore.case_keys (
    case_id       uuid PRIMARY KEY,
    -- the data key, sealed by the master key master_key_id with the purpose
    -- "case.key:<case id>"; NULL once the case is erased
    wrapped       bytea,
    master_key_id text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    wrapped_at    timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    -- why it was erased, in words fit for the complainant and the record:
    -- "retention: …", "the complainant's request", …
    ground        text,
    CONSTRAINT case_keys_erased CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL)
        AND (wrapped IS NULL) = (master_key_id IS NULL)
        AND (erased_at IS NULL) = (ground IS NULL))
);
-- the re-wrapping after a new master key is made current walks this index
CREATE INDEX case_keys_master_idx ON keystore.case_keys (master_key_id) WHERE wrapped IS NOT NULL;

-- An erased key never comes back, and a key is never deleted (its erasure
-- is the record that it was destroyed).
-- +goose StatementBegin
CREATE FUNCTION keystore.case_keys_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'keystore.case_keys: % refused (an erased key stays erased, a key is never deleted)', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
-- +goose StatementEnd
CREATE TRIGGER case_keys_guard BEFORE UPDATE OR DELETE ON keystore.case_keys
    FOR EACH ROW EXECUTE FUNCTION keystore.case_keys_guard();
CREATE TRIGGER case_keys_no_truncate BEFORE TRUNCATE ON keystore.case_keys
    FOR EACH STATEMENT EXECUTE FUNCTION keystore.case_keys_guard();

-- The data side of an erasure: when and why, kept with the case so a page
-- can say so and a restored keystore older than the erasure is corrected.
ALTER TABLE cases ADD COLUMN erased_at timestamptz, ADD COLUMN erasure_ground text,
    ADD CONSTRAINT cases_erasure CHECK ((erased_at IS NULL) = (erasure_ground IS NULL));

-- +goose Down
ALTER TABLE cases DROP CONSTRAINT cases_erasure, DROP COLUMN erasure_ground, DROP COLUMN erased_at;
DROP SCHEMA keystore CASCADE;
