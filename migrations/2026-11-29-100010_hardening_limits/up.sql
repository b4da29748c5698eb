-- Fixed-window limits ("one email code per address per minute", "so many
-- registration attempts per client address per hour"): one row per limited key,
-- counted by a single upsert, so two requests at once cannot both pass.
CREATE TABLE rate_limits (
    key            TEXT        PRIMARY KEY,
    hits           INTEGER     NOT NULL CHECK (hits > 0),
    window_ends_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limits_window_ends_at_idx ON rate_limits (window_ends_at);

-- Every accepted "forgot password" request, known address or not: the page does
-- the same work for both, and a background step looks the address up, creates
-- the reset link and queues the email only for an account.
CREATE TABLE password_reset_requests (
    id           BIGSERIAL   PRIMARY KEY,
    email        TEXT        NOT NULL CHECK (email = lower(email)),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ
);
CREATE INDEX password_reset_requests_pending_idx ON password_reset_requests (created_at)
    WHERE processed_at IS NULL;
