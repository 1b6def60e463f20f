-- +goose Up
-- The review workspace (issue #4): the AI decision record also keeps the
-- contested decision's own reference and date as the reviewer established
-- them (the case keeps what the complainant said at intake).
ALTER TABLE ai_decision_records
    ADD COLUMN decision_reference text CHECK (length(decision_reference) BETWEEN 1 AND 200),
    ADD COLUMN decision_date      date;

-- Evidence is added, never changed or removed: its hash is cited elsewhere
-- (remedy implementation, referral dossiers). The application never updates
-- or deletes a row; the trigger refuses whoever tries.
-- +goose StatementBegin
CREATE FUNCTION evidence_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence is append-only'
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION evidence_immutable();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_immutable();

-- +goose Down
DROP TRIGGER evidence_no_truncate ON evidence;
DROP TRIGGER evidence_append_only ON evidence;
DROP FUNCTION evidence_immutable();
ALTER TABLE ai_decision_records DROP COLUMN decision_date, DROP COLUMN decision_reference;
