-- +goose Up
-- Issue 13: the outcome of a decision is named by what happened to the AI's
-- decision, so that no reader can take it the wrong way round. "upheld" meant
-- "the AI's decision stands" to the API and the complainant's page, and "the
-- complaint is right" to the staff's and the bodies' pages (an ombudsman
-- upholds a complaint; a court upholds a decision). The stored decisions are
-- rewritten:
--   upheld     → decision_confirmed  (the AI's decision stands)
--   overturned → decision_overturned (the AI's decision is reversed)
--   modified   → decision_modified   (the AI's decision is changed in part)
--   not_within_scope stays.
-- The decisions table is the only one that stores an outcome as a column
-- (cases, appeals and remedy bundles refer to a decision by id). What is
-- hashed or signed keeps the old names and is never rewritten: case-record
-- entries (audit_entries.data, hash-chained and append-only), signed
-- dossiers (referrals.dossier_enc) and webhook deliveries as signed. Their
-- readers map the old names (grievance.CurrentOutcome).
ALTER TABLE decisions DROP CONSTRAINT decisions_outcome_check;
UPDATE decisions SET outcome = CASE outcome
        WHEN 'upheld' THEN 'decision_confirmed'
        WHEN 'overturned' THEN 'decision_overturned'
        WHEN 'modified' THEN 'decision_modified' END
 WHERE outcome IN ('upheld', 'overturned', 'modified');
ALTER TABLE decisions ADD CONSTRAINT decisions_outcome_check
    CHECK (outcome IN ('decision_confirmed', 'decision_overturned', 'decision_modified', 'not_within_scope'));

-- Events not yet published (redress.case.decided {decision_id, outcome})
-- leave with the new names, as the API now speaks them.
UPDATE outbox SET payload = jsonb_set(payload, '{data,outcome}', to_jsonb(CASE payload #>> '{data,outcome}'
        WHEN 'upheld' THEN 'decision_confirmed'
        WHEN 'overturned' THEN 'decision_overturned'
        WHEN 'modified' THEN 'decision_modified' END))
 WHERE published_at IS NULL AND subject = 'redress.case.decided'
   AND payload #>> '{data,outcome}' IN ('upheld', 'overturned', 'modified');

-- +goose Down
ALTER TABLE decisions DROP CONSTRAINT decisions_outcome_check;
UPDATE decisions SET outcome = CASE outcome
        WHEN 'decision_confirmed' THEN 'upheld'
        WHEN 'decision_overturned' THEN 'overturned'
        WHEN 'decision_modified' THEN 'modified' END
 WHERE outcome IN ('decision_confirmed', 'decision_overturned', 'decision_modified');
ALTER TABLE decisions ADD CONSTRAINT decisions_outcome_check
    CHECK (outcome IN ('upheld', 'overturned', 'modified', 'not_within_scope'));
UPDATE outbox SET payload = jsonb_set(payload, '{data,outcome}', to_jsonb(CASE payload #>> '{data,outcome}'
        WHEN 'decision_confirmed' THEN 'upheld'
        WHEN 'decision_overturned' THEN 'overturned'
        WHEN 'decision_modified' THEN 'modified' END))
 WHERE published_at IS NULL AND subject = 'redress.case.decided'
   AND payload #>> '{data,outcome}' IN ('decision_confirmed', 'decision_overturned', 'decision_modified');
