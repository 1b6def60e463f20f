-- +goose Up
-- Optional auto-assignment: a queue that assigns its new cases round-robin to
-- its members (queue_members) who are available, below their cap and allowed
-- to take the case (skills, languages, recusal).

ALTER TABLE queues
    ADD COLUMN auto_assign  boolean NOT NULL DEFAULT false,
    -- Open cases a member may hold before auto-assignment passes them over.
    ADD COLUMN assign_cap   integer NOT NULL DEFAULT 10 CHECK (assign_cap BETWEEN 1 AND 1000);

ALTER TABLE users
    ADD COLUMN availability      text NOT NULL DEFAULT 'available' CHECK (availability IN ('available', 'away')),
    -- A personal cap below the queue's (part-time, new reviewers); NULL takes the queue's.
    ADD COLUMN max_open_cases    integer CHECK (max_open_cases BETWEEN 0 AND 1000),
    -- Round-robin: the member assigned longest ago goes next.
    ADD COLUMN last_assigned_at  timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN last_assigned_at, DROP COLUMN max_open_cases, DROP COLUMN availability;
ALTER TABLE queues DROP COLUMN assign_cap, DROP COLUMN auto_assign;
