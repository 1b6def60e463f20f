-- +goose Up
-- Retaliation and imminent harm (issue 16, item 6; docs/protection.md).

-- 1. Default routing every install gets: retaliation and imminent loss go to
-- the supervisors' queue at P1, ahead of every other rule. The queue is made
-- here when it does not exist yet.
INSERT INTO queues (slug, name, description)
VALUES ('supervisors', 'Supervisor review', 'Breaches, escalations and four-eyes approvals.')
ON CONFLICT (slug) DO NOTHING;
-- Make room at the top (two steps: positions are unique row by row).
UPDATE routing_rules SET position = position + 1000000 WHERE NOT is_default;
UPDATE routing_rules SET position = position - 1000000 + 2 WHERE NOT is_default;
-- A rule kept from an earlier run of this migration (its Down keeps them) moves back to the top.
UPDATE routing_rules SET position = 0
 WHERE id = (SELECT id FROM routing_rules WHERE NOT is_default AND kinds = '{retaliation}'
               AND name = 'Retaliation against a complainant' ORDER BY position LIMIT 1);
INSERT INTO routing_rules (position, name, kinds, queue_id, priority)
SELECT 0, 'Retaliation against a complainant', '{retaliation}', id, 'P1' FROM queues
 WHERE slug = 'supervisors' AND NOT EXISTS (SELECT 1 FROM routing_rules WHERE position = 0 AND NOT is_default);
-- An install that ran the demo data already has the imminent-loss rule: it moves to the top
-- instead of being written twice.
UPDATE routing_rules SET position = 1
 WHERE id = (SELECT id FROM routing_rules WHERE NOT is_default AND severities = '{imminent_loss}'
               AND name = 'Someone is about to lose a job, benefit or home' ORDER BY position LIMIT 1);
INSERT INTO routing_rules (position, name, severities, queue_id, priority)
SELECT 1, 'Someone is about to lose a job, benefit or home', '{imminent_loss}', id, 'P1' FROM queues
 WHERE slug = 'supervisors' AND NOT EXISTS (SELECT 1 FROM routing_rules WHERE position = 1 AND NOT is_default);

-- 2. Interim and protective measures. Staff propose one; the complainant
-- consents or declines on their follow-up page; only a consented measure is
-- put in place. Each has its own clock, running until it is in place: a due
-- date, a warning at three quarters of its time, a breach when it runs out.
-- The text is sealed: purpose "measure.description:<id>".
CREATE TABLE protective_measures (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('pause_decision', 'suspend_enforcement', 'protection_note',
                                                    'change_line_manager')),
    description_enc  bytea NOT NULL,
    status           text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'consented', 'declined', 'in_place')),
    proposed_by      uuid NOT NULL REFERENCES users (id),
    proposed_at      timestamptz NOT NULL DEFAULT now(),
    due_at           timestamptz NOT NULL,
    warn_at          timestamptz NOT NULL,
    warned_at        timestamptz,
    breached_at      timestamptz,
    -- When the sweeper next looks at it; NULL once its clock has ended.
    next_fire_at     timestamptz,
    answered_at      timestamptz,
    in_place_at      timestamptz,
    in_place_by      uuid REFERENCES users (id),
    CONSTRAINT protective_measures_due CHECK (due_at > proposed_at AND warn_at <= due_at),
    CONSTRAINT protective_measures_answered CHECK ((answered_at IS NULL) = (status = 'proposed')),
    CONSTRAINT protective_measures_in_place CHECK ((in_place_at IS NULL) = (status <> 'in_place')
        AND (in_place_at IS NULL) = (in_place_by IS NULL)),
    CONSTRAINT protective_measures_clock CHECK (next_fire_at IS NULL OR status IN ('proposed', 'consented'))
);
CREATE INDEX protective_measures_case_idx ON protective_measures (case_id, proposed_at);
CREATE INDEX protective_measures_fire_idx ON protective_measures (next_fire_at) WHERE next_fire_at IS NOT NULL;

-- 3. Check-ins after closure: 30 and 90 days after a case closes, the
-- complainant is asked whether anything has happened to them since. The
-- rows are written by the closing update itself (a trigger), so a closure
-- and its check-ins commit together; the worker asks the due ones.
-- The answer's text is sealed: purpose "checkin.text:<id>".
CREATE TABLE case_checkins (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id              uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    after_days           integer NOT NULL CHECK (after_days IN (30, 90)),
    due_at               timestamptz NOT NULL,
    asked_at             timestamptz,
    answered_at          timestamptz,
    happened             boolean,
    text_enc             bytea,
    retaliation_case_id  uuid REFERENCES cases (id),
    UNIQUE (case_id, after_days),
    CONSTRAINT case_checkins_answer CHECK ((answered_at IS NULL) = (happened IS NULL)
        AND (answered_at IS NULL OR asked_at IS NOT NULL)
        AND (retaliation_case_id IS NULL OR happened))
);
CREATE INDEX case_checkins_due_idx ON case_checkins (due_at) WHERE asked_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION case_checkins_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_checkins (case_id, after_days, due_at)
    SELECT NEW.id, d, now() + make_interval(days => d) FROM unnest(ARRAY[30, 90]) AS d
    ON CONFLICT (case_id, after_days) DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER case_checkins_schedule AFTER UPDATE OF status ON cases
    FOR EACH ROW WHEN (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed')
    EXECUTE FUNCTION case_checkins_schedule();

-- +goose Down
DROP TRIGGER case_checkins_schedule ON cases;
DROP FUNCTION case_checkins_schedule();
DROP TABLE case_checkins;
DROP TABLE protective_measures;
-- The two routing rules stay: they are data an admin may have changed, and cases name them.
