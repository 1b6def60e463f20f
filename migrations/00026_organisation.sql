-- +goose Up
-- The organisation that runs the mechanism (issue 16, item 5;
-- internal/organisation): its legal name, address, jurisdiction and contact
-- point, shown on the public pages and in every dossier. The configuration
-- (REDRESS_ORGANISATION_*) gives the defaults; an admin's settings, stored
-- here, take their place. One row at most.
CREATE TABLE organisation_profile (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    legal_name    text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 200),
    address       text NOT NULL CHECK (length(address) <= 500),
    jurisdiction  text NOT NULL CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    contact       text NOT NULL CHECK (length(contact) BETWEEN 1 AND 500),
    updated_at    timestamptz NOT NULL,
    updated_by    uuid REFERENCES users (id)
);

-- Every change of the settings, who made it and what they were before and
-- after: an append-only log (the trigger refuses changes and deletions).
CREATE TABLE organisation_changes (
    id          bigserial PRIMARY KEY,
    changed_at  timestamptz NOT NULL,
    changed_by  uuid REFERENCES users (id),
    before      jsonb,
    after       jsonb NOT NULL
);

-- The complainant's country (optional, on the complaint form): the bodies of
-- that country are suggested to them first, then the organisation's.
ALTER TABLE cases ADD COLUMN complainant_country text CHECK (complainant_country ~ '^[A-Z]{2}$');

-- +goose StatementBegin
CREATE FUNCTION organisation_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'organisation_changes is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER organisation_changes_append_only BEFORE UPDATE OR DELETE ON organisation_changes
    FOR EACH ROW EXECUTE FUNCTION organisation_changes_append_only();

-- +goose Down
ALTER TABLE cases DROP COLUMN complainant_country;
DROP TRIGGER organisation_changes_append_only ON organisation_changes;
DROP FUNCTION organisation_changes_append_only();
DROP TABLE organisation_changes;
DROP TABLE organisation_profile;
