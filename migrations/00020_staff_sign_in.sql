-- +goose Up
-- Strong staff sign-in (issue 14, part 5; docs/sign-in.md).
--
-- Every staff or body token names a session (its JWT id). A token is
-- admitted only while its session is live: not revoked, not expired, its
-- user active and still holding the role the session was opened with.
CREATE TABLE staff_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('page', 'api')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    -- A short description of the browser or client ("Firefox on Linux"), never the raw header.
    user_agent   text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 80)
);
CREATE INDEX staff_sessions_user_live_idx ON staff_sessions (user_id) WHERE revoked_at IS NULL;

-- The TOTP second factor (RFC 6238). The secret is sealed with the keyring
-- (purpose "user.totp_secret:<user id>"), never stored in clear. pending_sealed
-- is an enrolment started and not yet confirmed with a first code. last_step is
-- the last time step accepted: a step at or before it is a replay and is refused
-- by the conditional UPDATE that accepts a code. failures/failures_since throttle
-- wrong codes per account.
CREATE TABLE user_second_factors (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  bytea,
    pending_sealed bytea,
    confirmed_at   timestamptz,
    last_step      bigint NOT NULL DEFAULT 0,
    failures       int NOT NULL DEFAULT 0,
    failures_since timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((confirmed_at IS NULL) = (secret_sealed IS NULL))
);

-- One-time recovery codes: only a keyed HMAC of each is kept; used_at marks one spent.
CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Which roles must sign in with a second factor.
CREATE TABLE sign_in_policies (
    role                   text PRIMARY KEY CHECK (role IN ('reviewer', 'supervisor', 'admin', 'body')),
    second_factor_required boolean NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sign_in_policies (role, second_factor_required) VALUES
    ('admin', true), ('supervisor', true), ('body', true), ('reviewer', false);

-- +goose Down
DROP TABLE sign_in_policies;
DROP TABLE recovery_codes;
DROP TABLE user_second_factors;
DROP TABLE staff_sessions;
