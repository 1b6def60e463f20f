-- +goose Up
-- Need to know (issue 14; docs/privacy.md "Who can read a complaint"). Who may
-- see a case is decided by internal/access from the case's assignee, its
-- queue's members (queue_members) and recusals (ai_system_staff, the
-- contested decision's taker, the reviewers excluded after an appeal). Two
-- tables are added here:
--
-- break_glass: an admin's time-limited opening of a case outside their
-- reach, with the reason they gave. Written once, never changed.
CREATE TABLE break_glass (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 20 AND 2000),
    opened_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CHECK (expires_at > opened_at AND expires_at <= opened_at + interval '4 hours')
);
CREATE INDEX break_glass_case_user_idx ON break_glass (case_id, user_id, expires_at);

-- access_log: every look at a complainant's identity or at a case's sealed
-- content by staff: who (and their role then), when, what, through which
-- route and on which ground. Append-only, like the case record.
CREATE TABLE access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    case_id      uuid NOT NULL REFERENCES cases (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    role         text NOT NULL CHECK (role IN ('reviewer', 'supervisor', 'admin')),
    what         text NOT NULL CHECK (what IN ('content', 'identity', 'evidence')),
    evidence_id  uuid,
    route        text NOT NULL CHECK (length(route) BETWEEN 1 AND 200),
    ground       text NOT NULL CHECK (ground IN ('assignee', 'queue_member', 'supervisor', 'break_glass')),
    CHECK ((what = 'evidence') = (evidence_id IS NOT NULL))
);
CREATE INDEX access_log_case_idx ON access_log (case_id, at);
CREATE INDEX access_log_user_idx ON access_log (user_id, at);
CREATE INDEX access_log_at_idx ON access_log (at);

-- A queue's members are who may work its cases; each chooses whether they
-- are emailed of every new case routed to it (as every member was before).
ALTER TABLE queue_members ADD COLUMN notify_new_cases boolean NOT NULL DEFAULT true;

-- +goose StatementBegin
CREATE FUNCTION need_to_know_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION need_to_know_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION need_to_know_append_only();
CREATE TRIGGER break_glass_no_update BEFORE UPDATE OR DELETE ON break_glass
    FOR EACH ROW EXECUTE FUNCTION need_to_know_append_only();
CREATE TRIGGER break_glass_no_truncate BEFORE TRUNCATE ON break_glass
    FOR EACH STATEMENT EXECUTE FUNCTION need_to_know_append_only();

-- +goose Down
ALTER TABLE queue_members DROP COLUMN notify_new_cases;
DROP TABLE access_log;
DROP TABLE break_glass;
DROP FUNCTION need_to_know_append_only();
