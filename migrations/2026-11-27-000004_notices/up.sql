-- What the account is told when the marketplace ends or suspends an
-- instance's settlement: one notice per event, readable through an emailed
-- link whose token is stored only as its SHA-256.
CREATE TABLE notices (
    id          BIGSERIAL   PRIMARY KEY,
    account_id  BIGINT      NOT NULL REFERENCES accounts (id),
    instance_id TEXT        NOT NULL REFERENCES aliyun_instances (instance_id),
    kind        TEXT        NOT NULL CHECK (kind IN ('release', 'expiry', 'lock')),
    reason      TEXT        NOT NULL CHECK (reason IN ('marketplace_release', 'marketplace_expiry', 'reconciliation')),
    -- The workspaces as they were: [{"id","name","site","from","to"}].
    workspaces  JSONB       NOT NULL,
    token_hash  BYTEA       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_account_idx ON notices (account_id, created_at DESC);
