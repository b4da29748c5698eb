-- Alibaba Cloud Marketplace instances as the SPI told us about them.
-- instance_id = the marketplace orderBizId (we answer createInstance with it),
-- so a duplicate createInstance can never create a second row.
CREATE TABLE aliyun_instances (
    instance_id  TEXT        PRIMARY KEY CHECK (instance_id ~ '^[0-9]{1,32}$'),
    ali_uid      TEXT        NOT NULL CHECK (ali_uid ~ '^[0-9]{1,32}$'),
    product_code TEXT        NOT NULL,
    sku_id       TEXT        NOT NULL,
    order_ids    TEXT[]      NOT NULL DEFAULT '{}',
    trial        BOOLEAN     NOT NULL DEFAULT false,
    -- expiredOn of the latest create/renew/refundRenew (NULL: pay-as-you-go).
    expires_on   TIMESTAMPTZ,
    -- Extra billing items (createInstance/upgradeInstance top-level parameters).
    extra        JSONB       NOT NULL DEFAULT '{}',
    status       TEXT        NOT NULL DEFAULT 'opened' CHECK (status IN ('opened', 'expired', 'released')),
    -- R2: the first Billing Center account that bound the instance.
    claimed_by   BIGINT      REFERENCES accounts (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    renewed_at   TIMESTAMPTZ,
    upgraded_at  TIMESTAMPTZ,
    expired_at   TIMESTAMPTZ,
    released_at  TIMESTAMPTZ,
    -- Released is terminal and has its time; expired has its time.
    CHECK (status <> 'released' OR released_at IS NOT NULL),
    CHECK (status <> 'expired' OR expired_at IS NOT NULL)
);
CREATE INDEX aliyun_instances_claimed_idx ON aliyun_instances (claimed_by) WHERE claimed_by IS NOT NULL;

-- Every marketplace call received with a valid token (params without the
-- token), written in the transaction of its effect. `notification_id` is set
-- for calls replayed from DescribeFailedNotifications and makes them idempotent.
CREATE TABLE spi_inbox (
    id              BIGSERIAL   PRIMARY KEY,
    action          TEXT        NOT NULL,
    instance_id     TEXT,
    order_id        TEXT,
    params          JSONB       NOT NULL,
    outcome         TEXT        NOT NULL,
    source          TEXT        NOT NULL DEFAULT 'spi' CHECK (source IN ('spi', 'failed_notification')),
    notification_id TEXT        UNIQUE,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX spi_inbox_instance_idx ON spi_inbox (instance_id, received_at);

-- `verify` (single sign-on) tokens already used: a second use is refused.
CREATE TABLE spi_verify_uses (
    token      TEXT        PRIMARY KEY,
    used_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
