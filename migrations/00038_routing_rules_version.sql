-- +goose Up
-- Issue 18: routing keeps the rules in memory, read again only when they
-- changed. routing_rules_version gets a new version from every statement
-- that changes routing_rules, whoever runs it (the admin API, a migration,
-- an operator in psql), in that statement's transaction; routing reads it
-- with the case it routes, in the statement that locks the case, and reads
-- the rules again when it differs from the version it holds them at. So a
-- case is never routed by rules older than those committed when its routing
-- began, as when the rules were read every time
-- (TestRoutingReadsTheRulesOnlyWhenTheyChanged). A version is a random
-- token, not a counter: after a restore a counter would count again from
-- the dump's value and give a version a running worker holds to other rules
-- (TestRoutingRulesAfterARestoreAreNotMistakenForThoseHeld).
CREATE TABLE routing_rules_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version uuid NOT NULL
);
INSERT INTO routing_rules_version (version) VALUES (gen_random_uuid());

-- +goose StatementBegin
CREATE FUNCTION routing_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE routing_rules_version SET version = gen_random_uuid();
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER routing_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION routing_rules_changed();

-- +goose Down
DROP TRIGGER routing_rules_changed ON routing_rules;
DROP FUNCTION routing_rules_changed();
DROP TABLE routing_rules_version;
