-- +goose Up
-- Notifications: who hears of new cases in a queue, the emails the notifier
-- owes (one row per event and recipient, so nobody is mailed twice for one
-- event), and signed webhooks to the organisation's own systems with a log of
-- every delivery attempt. Nothing here holds a description, a message or a
-- contact detail: recipients are user ids or 'complainant', and addresses are
-- looked up (and, for complainants, decrypted) only when a mail is sent.

-- Staff told of every new case routed to a queue.
CREATE TABLE queue_members (
    queue_id    uuid NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (queue_id, user_id)
);
CREATE INDEX queue_members_user_idx ON queue_members (user_id);

-- Emails the notifier decided to send. The consumer inserts a row in the same
-- transaction as it records the event as processed; the mail loop sends it and
-- sets sent_at. The primary key makes a redelivered event a no-op.
CREATE TABLE notifications_sent (
    event_id         uuid NOT NULL,
    recipient_kind   text NOT NULL CHECK (recipient_kind IN ('complainant', 'staff')),
    recipient_ref    text NOT NULL CHECK (recipient_ref = 'complainant' OR
                         recipient_ref ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    channel          text NOT NULL DEFAULT 'email' CHECK (channel = 'email'),
    case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    template         text NOT NULL CHECK (template ~ '^[a-z_]{1,64}$'),
    -- Template values: the reference, codes, a queue name, a due date. Never case content.
    data             jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'failed', 'sent', 'skipped', 'gave_up')),
    attempt          integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    error            text CHECK (length(error) <= 500),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    PRIMARY KEY (event_id, recipient_kind, recipient_ref),
    CONSTRAINT notifications_sent_when_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX notifications_sent_due_idx ON notifications_sent (next_attempt_at)
    WHERE status IN ('pending', 'failed');
CREATE INDEX notifications_sent_case_idx ON notifications_sent (case_id);

-- The organisation's own systems that receive signed events. Plain http only
-- to the loopback, for development.
CREATE TABLE webhook_endpoints (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url         text NOT NULL CHECK (length(url) <= 2000 AND (url ~ '^https://[^/?#@\s]+([/?][^\s#]*)?$'
                    OR url ~ '^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?([/?][^\s#]*)?$')),
    -- The signing secret, sealed with purpose 'webhook.secret:<id>'.
    secret_enc  bytea NOT NULL,
    -- Subjects (or patterns ending in '>') to deliver; empty means every event.
    events      text[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One delivery per endpoint and event. status: pending (not yet tried),
-- failed (tried, retried at next_attempt_at), delivered, gave_up.
CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         uuid NOT NULL,
    subject          text NOT NULL,
    -- The event envelope as sent and signed (ids and codes only).
    payload          bytea NOT NULL,
    attempt          integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'gave_up')),
    response_code    integer,
    error            text CHECK (length(error) <= 500),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_when_delivered CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');

-- Every attempt of every delivery: the delivery log.
CREATE TABLE webhook_attempts (
    delivery_id    bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt        integer NOT NULL CHECK (attempt >= 1),
    attempted_at   timestamptz NOT NULL DEFAULT now(),
    duration_ms    integer NOT NULL CHECK (duration_ms >= 0),
    response_code  integer,
    error          text CHECK (length(error) <= 500),
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE notifications_sent;
DROP TABLE queue_members;
