-- +goose Up
-- Issue 19, item 4: the dossier signing keys are a set. One key is current
-- (it signs); a rotation makes a new one current and the one before it
-- previous; an operator retires a key that must never sign again. Every key
-- stays published with its validity period (created_at to not_after), so a
-- dossier signed before a rotation still verifies after it.
ALTER TABLE signing_keys
    ADD COLUMN status text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'previous', 'retired')),
    ADD COLUMN not_after timestamptz;
UPDATE signing_keys SET status = 'retired', not_after = retired_at WHERE retired_at IS NOT NULL;
ALTER TABLE signing_keys
    ADD CONSTRAINT signing_keys_signs_until CHECK ((status = 'current') = (not_after IS NULL)),
    ADD CONSTRAINT signing_keys_retired CHECK ((status = 'retired') = (retired_at IS NOT NULL)),
    ADD CONSTRAINT signing_keys_period CHECK (not_after IS NULL OR not_after >= created_at);
DROP INDEX signing_keys_one_current;
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((true)) WHERE status = 'current';

-- The recovery codes are HMACs under a key derived from the token secret
-- (REDRESS_JWT_SECRET); after a rotation the old ones work while the old
-- secret is REDRESS_JWT_SECRET_PREVIOUS. key_id is the kid of the secret a
-- code was made under (NULL: made before kids), so `redress keys status`
-- can say how many accounts still have codes of an old secret.
ALTER TABLE recovery_codes ADD COLUMN key_id text CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$');

-- +goose Down
ALTER TABLE recovery_codes DROP COLUMN key_id;
DROP INDEX signing_keys_one_current;
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_period, DROP CONSTRAINT signing_keys_retired,
    DROP CONSTRAINT signing_keys_signs_until;
UPDATE signing_keys SET retired_at = not_after WHERE status = 'previous';
ALTER TABLE signing_keys DROP COLUMN not_after, DROP COLUMN status;
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((true)) WHERE retired_at IS NULL;
