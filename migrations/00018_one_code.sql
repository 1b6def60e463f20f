-- +goose Up
-- One code (issue 13, item 3; docs/follow-up.md): a complainant keeps a
-- single code of 20 Crockford base32 characters (100 random bits) that both
-- finds the case and proves the right to open it. Only a keyed HMAC of it is
-- stored (auth.HashCode), unique, so a sign-in is one indexed lookup. Cases
-- filed before keep their reference and receipt and have no code.
ALTER TABLE cases ADD COLUMN code_hash bytea CHECK (code_hash IS NULL OR length(code_hash) = 32);
CREATE UNIQUE INDEX cases_code_hash_idx ON cases (code_hash) WHERE code_hash IS NOT NULL;

-- +goose Down
DROP INDEX cases_code_hash_idx;
ALTER TABLE cases DROP COLUMN code_hash;
