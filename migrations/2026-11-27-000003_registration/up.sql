-- Sites are data (SPEC 3.2): which settlement methods each allows by default.
CREATE TABLE sites (
    code     TEXT    PRIMARY KEY CHECK (code ~ '^[a-z]{2}[0-9]$'),
    name_en  TEXT    NOT NULL,
    name_zh  TEXT    NOT NULL,
    cloud    TEXT    NOT NULL,
    methods  TEXT[]  NOT NULL CHECK (methods <@ ARRAY['billing_center', 'aliyun', 'aws', 'huawei']),
    position INTEGER NOT NULL
);
INSERT INTO sites (code, name_en, name_zh, cloud, methods, position) VALUES
    ('cn1', 'China Region 1 (Hangzhou)', '中国区1（杭州）', 'Alibaba Cloud', '{billing_center,aliyun}', 1),
    ('cn2', 'China Region 2 (Ningxia)', '中国区2（宁夏）', 'AWS', '{billing_center}', 2),
    ('cn4', 'China Region 4 (Guangzhou)', '中国区4（广州）', 'Huawei Cloud', '{billing_center}', 3),
    ('cn6', 'China Region 6 (Hong Kong)', '中国区6（香港）', 'Alibaba Cloud (intl)', '{billing_center,aliyun}', 4),
    ('us1', 'Overseas Region 1 (Oregon)', '海外区1（俄勒冈）', 'AWS', '{billing_center}', 5);

-- Email verification codes of the registration (only a hash of email and code).
CREATE TABLE email_codes (
    id          BIGSERIAL   PRIMARY KEY,
    email       TEXT        NOT NULL CHECK (email = lower(email)),
    code_hash   BYTEA       NOT NULL CHECK (length(code_hash) = 32),
    attempts    INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    consumed_at TIMESTAMPTZ
);
CREATE INDEX email_codes_email_idx ON email_codes (email, created_at DESC);

-- The registration ("console") user, one per site; separate from the Billing
-- Center account after creation.
CREATE TABLE console_users (
    id            BIGSERIAL   PRIMARY KEY,
    site          TEXT        NOT NULL REFERENCES sites (code),
    username      TEXT        NOT NULL,
    email         TEXT        NOT NULL,
    phone         TEXT        NOT NULL,
    password_hash TEXT        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    company_name  TEXT        NOT NULL CHECK (length(company_name) BETWEEN 1 AND 128),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX console_users_username_key ON console_users (site, lower(username));
CREATE UNIQUE INDEX console_users_email_key ON console_users (site, lower(email));
CREATE UNIQUE INDEX console_users_phone_key ON console_users (site, phone);

CREATE TABLE workspaces (
    id                 TEXT        PRIMARY KEY CHECK (id ~ '^wksp_[0-9a-f]{32}$'),
    name               TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    site               TEXT        NOT NULL REFERENCES sites (code),
    language           TEXT        NOT NULL CHECK (language IN ('en', 'zh')),
    account_id         BIGINT      NOT NULL REFERENCES accounts (id),
    console_user_id    BIGINT      REFERENCES console_users (id),
    settlement_method  TEXT        NOT NULL CHECK (settlement_method IN ('billing_center', 'aliyun', 'aws', 'huawei')),
    aliyun_instance_id TEXT        REFERENCES aliyun_instances (instance_id),
    status             TEXT        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'grace', 'locked')),
    grace_deadline     TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A workspace settled by Alibaba names its instance, and only then.
    CHECK ((settlement_method = 'aliyun') = (aliyun_instance_id IS NOT NULL)),
    CHECK ((status = 'active') OR grace_deadline IS NOT NULL)
);
CREATE INDEX workspaces_account_idx ON workspaces (account_id);
CREATE INDEX workspaces_instance_idx ON workspaces (aliyun_instance_id) WHERE aliyun_instance_id IS NOT NULL;
-- Step 3 of a registration activates exactly one workspace: a double submit
-- finds this row taken.
CREATE UNIQUE INDEX workspaces_console_user_key ON workspaces (console_user_id) WHERE console_user_id IS NOT NULL;

-- Append-only history of settlement methods.
CREATE TABLE settlement_changes (
    id                 BIGSERIAL   PRIMARY KEY,
    workspace_id       TEXT        NOT NULL REFERENCES workspaces (id),
    from_method        TEXT,
    to_method          TEXT        NOT NULL,
    aliyun_instance_id TEXT,
    reason             TEXT        NOT NULL CHECK (reason IN ('registration', 'user', 'marketplace_release', 'marketplace_expiry', 'reconciliation')),
    actor              TEXT        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX settlement_changes_workspace_idx ON settlement_changes (workspace_id, created_at DESC);
