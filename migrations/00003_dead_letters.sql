-- +goose Up
-- A message is dead-lettered once per consumer, whichever worker sees it,
-- and can be replayed by an admin.
ALTER TABLE dead_letters ADD COLUMN replayed_at timestamptz, ADD COLUMN replayed_as text;
CREATE UNIQUE INDEX dead_letters_once ON dead_letters (consumer, stream_seq) WHERE stream_seq IS NOT NULL;

-- +goose Down
DROP INDEX dead_letters_once;
ALTER TABLE dead_letters DROP COLUMN replayed_as, DROP COLUMN replayed_at;
