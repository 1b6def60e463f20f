-- +goose Up
-- What a look costs (issue 14: need-to-know reads no more than 10% slower).
--
-- Every case read writes a row of access_log. Its foreign keys made each
-- insert lock the case's row and the reader's user row (FOR KEY SHARE, a
-- WAL record and a dirtied page on cases and users at every look), for rows
-- the server writes only for a case it has just read and a user who is
-- signed in; cases and users are never deleted (triggers and deactivation).
-- The time index becomes a BRIN index: the log is appended in time order,
-- and the admins' search by period needs ranges of pages, not a b-tree kept
-- up to date at every look. The case's and the user's indexes stay: the
-- case workspace's Access section and the search by person use them.
ALTER TABLE access_log DROP CONSTRAINT access_log_case_id_fkey;
ALTER TABLE access_log DROP CONSTRAINT access_log_user_id_fkey;
DROP INDEX access_log_at_idx;
CREATE INDEX access_log_at_brin ON access_log USING brin (at);

-- +goose Down
DROP INDEX access_log_at_brin;
CREATE INDEX access_log_at_idx ON access_log (at);
ALTER TABLE access_log ADD CONSTRAINT access_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE access_log ADD CONSTRAINT access_log_case_id_fkey FOREIGN KEY (case_id) REFERENCES cases (id);
