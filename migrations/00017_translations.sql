-- +goose Up
-- Register and body content in more than one language (issue 13, item 5):
-- an admin may give each AI system's and each independent body's words in
-- French, Spanish or Arabic (or English, when the original is in another
-- language). A reader sees their language's text where there is one and
-- the original otherwise. One row per (entity, id, field, language).
CREATE TABLE translations (
    entity     text        NOT NULL CHECK (entity IN ('ai_system', 'body')),
    entity_id  uuid        NOT NULL,
    field      text        NOT NULL CHECK (
                   (entity = 'ai_system' AND field IN ('name', 'purpose', 'risk_area')) OR
                   (entity = 'body' AND field IN ('name', 'description', 'requirements'))),
    lang       text        NOT NULL CHECK (lang IN ('en', 'fr', 'es', 'ar')),
    text       text        NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id, lang, field)
);

-- A deleted system or body takes its translations with it.
-- +goose StatementBegin
CREATE FUNCTION translations_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM translations WHERE entity = TG_ARGV[0] AND entity_id = OLD.id;
    RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER ai_systems_translations_forget AFTER DELETE ON ai_systems
    FOR EACH ROW EXECUTE FUNCTION translations_forget('ai_system');
CREATE TRIGGER bodies_translations_forget AFTER DELETE ON bodies
    FOR EACH ROW EXECUTE FUNCTION translations_forget('body');

-- +goose Down
DROP TRIGGER bodies_translations_forget ON bodies;
DROP TRIGGER ai_systems_translations_forget ON ai_systems;
DROP FUNCTION translations_forget();
DROP TABLE translations;
