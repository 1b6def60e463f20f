-- +goose Up
-- Systemic issues and alerts (issue #4, item 6): who resolved an issue and
-- why, who acknowledged an alert, and the indexes the lists page through.

ALTER TABLE systemic_issues
    ADD COLUMN resolved_by      uuid REFERENCES users (id),
    ADD COLUMN resolution_note  text CHECK (length(resolution_note) BETWEEN 1 AND 5000),
    ADD CONSTRAINT systemic_issues_resolution_noted
        CHECK ((status = 'resolved') = (resolved_by IS NOT NULL AND resolution_note IS NOT NULL));
CREATE INDEX systemic_issues_list_idx ON systemic_issues (created_at DESC, id DESC);
CREATE INDEX systemic_issues_alert_idx ON systemic_issues (alert_id) WHERE alert_id IS NOT NULL;

ALTER TABLE systemic_alerts
    ADD CONSTRAINT systemic_alerts_acknowledged_by CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL));
CREATE INDEX systemic_alerts_list_idx ON systemic_alerts (raised_at DESC, id DESC);

-- +goose Down
DROP INDEX systemic_alerts_list_idx;
ALTER TABLE systemic_alerts DROP CONSTRAINT systemic_alerts_acknowledged_by;
DROP INDEX systemic_issues_alert_idx;
DROP INDEX systemic_issues_list_idx;
ALTER TABLE systemic_issues DROP CONSTRAINT systemic_issues_resolution_noted,
    DROP COLUMN resolution_note, DROP COLUMN resolved_by;
