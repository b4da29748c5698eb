-- The simulated marketplace's own state, in its own schema: the product never
-- reads these tables (it asks the sandbox over HTTP, like the real marketplace).
CREATE SCHEMA IF NOT EXISTS sandbox;
CREATE SEQUENCE IF NOT EXISTS sandbox.instance_ids START 241127000001;
CREATE SEQUENCE IF NOT EXISTS sandbox.order_ids START 205060317920001;
CREATE TABLE IF NOT EXISTS sandbox.instances (
    instance_id   TEXT        PRIMARY KEY,
    order_id      TEXT        NOT NULL,
    ali_uid       TEXT        NOT NULL,
    product_code  TEXT        NOT NULL,
    sku_id        TEXT        NOT NULL,
    status        TEXT        NOT NULL,
    trial         BOOLEAN     NOT NULL DEFAULT false,
    began_on      TIMESTAMPTZ NOT NULL DEFAULT now(),
    end_on        TIMESTAMPTZ,
    created_on    TIMESTAMPTZ NOT NULL DEFAULT now(),
    auth_url      TEXT,
    front_end_url TEXT
);
CREATE INDEX IF NOT EXISTS instances_ali_uid_idx ON sandbox.instances (ali_uid);
CREATE TABLE IF NOT EXISTS sandbox.orders (
    order_id     TEXT        PRIMARY KEY,
    instance_id  TEXT        NOT NULL,
    ali_uid      TEXT        NOT NULL,
    order_type   TEXT        NOT NULL,
    order_status TEXT        NOT NULL DEFAULT 'NORMAL',
    pay_status   TEXT        NOT NULL DEFAULT 'PAID',
    product_code TEXT        NOT NULL,
    sku_id       TEXT        NOT NULL,
    created_on   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sandbox.deliveries (
    id              BIGSERIAL   PRIMARY KEY,
    instance_id     TEXT        NOT NULL,
    action          TEXT        NOT NULL,
    params          JSONB       NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    status          TEXT        NOT NULL DEFAULT 'pending',
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deliveries_due_idx ON sandbox.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS sandbox.failed_notifications (
    notification_request_id TEXT        PRIMARY KEY,
    action                  TEXT        NOT NULL,
    message                 TEXT        NOT NULL,
    create_time             TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_at            TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS sandbox.metering (
    id          BIGSERIAL   PRIMARY KEY,
    request_id  TEXT        NOT NULL,
    instance_id TEXT        NOT NULL,
    start_time  BIGINT      NOT NULL,
    end_time    BIGINT      NOT NULL,
    entities    JSONB       NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS metering_instance_idx ON sandbox.metering (instance_id, received_at);
