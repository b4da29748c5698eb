-- Billing Center accounts: the login identity of the portal. Username, email and
-- phone are three disjoint login identifiers (a username starts with a letter and
-- has no '@'; a phone is stored in E.164), each unique regardless of case.
CREATE TABLE accounts (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT        NOT NULL CHECK (length(username) BETWEEN 3 AND 32),
    email                TEXT        NOT NULL CHECK (position('@' in email) > 1),
    phone                TEXT        NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    password_hash        TEXT        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    company_name         TEXT        NOT NULL DEFAULT '',
    language             TEXT        NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'zh')),
    arbitrary_settlement BOOLEAN     NOT NULL DEFAULT false,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    password_changed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE UNIQUE INDEX accounts_phone_key ON accounts (phone);

-- Server-side sessions for actix-session. Only the SHA-256 of the cookie value is
-- stored, so a copy of this table cannot be replayed as cookies. `account_id`
-- mirrors the session state so that every session of an account can be revoked
-- with one statement (logout everywhere on password change or reset).
CREATE TABLE sessions (
    id_hash             BYTEA       PRIMARY KEY CHECK (length(id_hash) = 32),
    state               JSONB       NOT NULL,
    account_id          BIGINT      REFERENCES accounts (id) ON DELETE CASCADE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at          TIMESTAMPTZ NOT NULL,
    absolute_expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account_id_idx ON sessions (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed-login bookkeeping, one row per throttled key: a hashed login identifier
-- ("id:...") or a client address ("ip:..."). Rows decay; nothing locks forever.
CREATE TABLE login_throttle (
    key           TEXT        PRIMARY KEY,
    failures      INTEGER     NOT NULL CHECK (failures >= 0),
    blocked_until TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One-time password reset links; only the SHA-256 of the token is kept.
CREATE TABLE password_reset_tokens (
    token_hash BYTEA       PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_reset_tokens_account_idx ON password_reset_tokens (account_id);

-- Transactional outbox: written in the transaction that causes the email, sent by
-- the worker. `dedup_key` makes enqueueing idempotent and names the Message-ID.
CREATE TABLE email_outbox (
    id              BIGSERIAL   PRIMARY KEY,
    dedup_key       TEXT        NOT NULL UNIQUE,
    recipient       TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    text_body       TEXT        NOT NULL,
    html_body       TEXT        NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';
