-- +goose Up
-- Issue 18: routing keeps the rules in memory, read again only when they
-- changed. routing_rules_version is bumped by every statement that changes
-- routing_rules, whoever runs it (the admin API, a migration, an operator in
-- psql), in that statement's transaction; routing reads it with the case it
-- routes, in the statement that locks the case, and reads the rules again
-- when it differs from the version it holds them at. So a case is never
-- routed by rules older than those committed when its routing began, as when
-- the rules were read every time (TestRoutingReadsTheRulesOnlyWhenTheyChanged).
CREATE TABLE routing_rules_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO routing_rules_version (version) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION routing_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE routing_rules_version SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER routing_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION routing_rules_changed();

-- +goose Down
DROP TRIGGER routing_rules_changed ON routing_rules;
DROP FUNCTION routing_rules_changed();
DROP TABLE routing_rules_version;
