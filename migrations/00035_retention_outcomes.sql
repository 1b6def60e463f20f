-- +goose Up
-- Issue 19: a retention schedule may also name the final decision's
-- outcome (the AI's decision confirmed, overturned or modified, or the
-- complaint not within scope), as well as how the case ended.
ALTER TABLE retention_schedules DROP CONSTRAINT retention_schedules_ending_check,
    ADD CONSTRAINT retention_schedules_ending_check CHECK (ending IN ('any', 'closed', 'withdrawn', 'rejected', 'referred',
        'decision_confirmed', 'decision_overturned', 'decision_modified', 'not_within_scope'));

-- +goose Down
DELETE FROM retention_schedules WHERE ending IN ('decision_confirmed', 'decision_overturned', 'decision_modified', 'not_within_scope');
ALTER TABLE retention_schedules DROP CONSTRAINT retention_schedules_ending_check,
    ADD CONSTRAINT retention_schedules_ending_check CHECK (ending IN ('any', 'closed', 'withdrawn', 'rejected', 'referred'));
