-- The money path: prices as data, hourly usage from the sites, daily bills,
-- the cash ledger, and the metering windows pushed to Alibaba Cloud.
-- Money is NUMERIC (CNY), never floating point.

-- Billing items (reference §6.2): a quantity in the item's base unit (series,
-- entries, hosts, bytes ...) is billed per `unit_size` of them.
CREATE TABLE price_items (
    item      TEXT    PRIMARY KEY CHECK (item ~ '^[a-z][a-z-]{0,31}$'),
    name_en   TEXT    NOT NULL,
    name_zh   TEXT    NOT NULL,
    unit_size BIGINT  NOT NULL CHECK (unit_size > 0),
    unit_en   TEXT    NOT NULL,
    unit_zh   TEXT    NOT NULL,
    -- Tiered items are priced per retention; the others have one price
    -- (stored with retention_days = 0) for any retention.
    tiered    BOOLEAN NOT NULL,
    position  INTEGER NOT NULL
);

-- A unit price from a day on (Asia/Shanghai). The price of a day is the row
-- with the latest valid_from on or before it.
CREATE TABLE prices (
    item           TEXT          NOT NULL REFERENCES price_items (item),
    retention_days INTEGER       NOT NULL CHECK (retention_days >= 0),
    unit_price     NUMERIC(12,4) NOT NULL CHECK (unit_price >= 0),
    valid_from     DATE          NOT NULL,
    created_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
    PRIMARY KEY (item, retention_days, valid_from)
);

INSERT INTO price_items (item, name_en, name_zh, unit_size, unit_en, unit_zh, tiered, position) VALUES
    ('timeline',     'Time series',         '时间线',         1000,       '1,000 series',      '千条',     true,  1),
    ('logs',         'Logs',                '日志',           1000000,    'million entries',   '百万条',   true,  2),
    ('backup',       'Data forwarding',     '数据转发',       1000000000, 'GB',                'GB',       false, 3),
    ('network',      'Network',             '网络',           1,          'host',              '台主机',   false, 4),
    ('trace',        'APM traces',          '应用性能链路',   1000000,    'million traces',    '百万条',   true,  5),
    ('profile',      'APM profiles',        '应用性能 Profile', 10000,    '10,000 profiles',   '万条',     true,  6),
    ('pv',           'RUM page views',      '用户访问 PV',    10000,      '10,000 PV',         '万次',     true,  7),
    ('session',      'Session replay',      '会话重放',       1000,       '1,000 sessions',    '千次',     false, 8),
    ('st',           'Synthetic tests',     '可用性监测',     10000,      '10,000 tests',      '万次',     false, 9),
    ('trigger',      'Triggers',            '触发器',         10000,      '10,000 triggers',   '万次',     false, 10),
    ('sms',          'SMS',                 '短信',           10,         '10 messages',       '10 条',    false, 11),
    ('pipeline',     'Central Pipeline',    '中心 Pipeline',  1000000000, 'GB',                'GB',       false, 12),
    ('scanned-data', 'Sensitive data scan', '敏感数据扫描',   1000000000, 'GB',                'GB',       false, 13),
    ('report',       'Scheduled reports',   '定时报告',       1,          'report',            '份',       false, 14);

INSERT INTO prices (item, retention_days, unit_price, valid_from)
SELECT item, retention_days, unit_price, DATE '2020-01-01'
FROM (VALUES
    ('timeline', 3, 0.6), ('timeline', 7, 0.7), ('timeline', 14, 0.8), ('timeline', 30, 1),
    ('timeline', 180, 4), ('timeline', 360, 7),
    ('logs', 3, 1), ('logs', 7, 1.2), ('logs', 14, 1.5), ('logs', 30, 2), ('logs', 60, 2.5),
    ('backup', 0, 0.35),
    ('network', 0, 2),
    ('trace', 3, 2), ('trace', 7, 3), ('trace', 14, 6), ('trace', 30, 10.8), ('trace', 60, 19.44),
    ('profile', 3, 0.2), ('profile', 7, 0.3), ('profile', 14, 0.5),
    ('pv', 3, 0.7), ('pv', 7, 1), ('pv', 14, 2), ('pv', 30, 3.6), ('pv', 60, 6.48),
    ('session', 0, 2.5),
    ('st', 0, 1),
    ('trigger', 0, 1),
    ('sms', 0, 1),
    ('pipeline', 0, 0.1),
    ('scanned-data', 0, 0.1),
    ('report', 0, 1)
) AS p (item, retention_days, unit_price);

-- Hourly usage reported by the sites, one row per (workspace, hour, item).
-- Partitioned by calendar month in Asia/Shanghai, so a day's settlement reads
-- one partition and old months can be detached. No foreign keys: the
-- ingestion statement checks workspace and item for every record, and a
-- foreign-key trigger per row would halve its speed.
CREATE TABLE usage_records (
    hour           TIMESTAMPTZ NOT NULL CHECK (date_trunc('hour', hour) = hour),
    workspace_id   TEXT        NOT NULL,
    item           TEXT        NOT NULL,
    -- Bounded so that a day's sum (24 hours) always fits in a BIGINT.
    quantity       BIGINT      NOT NULL CHECK (quantity BETWEEN 0 AND 1000000000000000),
    retention_days INTEGER     NOT NULL CHECK (retention_days >= 0),
    -- A later report changed the quantity or retention (counted as replaced).
    replaced       BOOLEAN     NOT NULL DEFAULT false,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (hour, workspace_id, item)
) PARTITION BY RANGE (hour);

-- Creates the partition holding `month` (any day of it) unless it exists.
CREATE FUNCTION ensure_usage_partition(month DATE) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    first DATE := date_trunc('month', month)::date;
    name  TEXT := format('usage_records_%s', to_char(first, 'YYYY_MM'));
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    -- Two sessions creating the same month: the second waits, then finds it.
    PERFORM pg_advisory_xact_lock(1970496882, 0);
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF usage_records FOR VALUES FROM (%L) TO (%L)',
        name,
        first::timestamp AT TIME ZONE 'Asia/Shanghai',
        (first + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai');
END $$;

-- The partitions of every month in `days`.
CREATE FUNCTION ensure_usage_partitions(days DATE[]) RETURNS void LANGUAGE sql AS $$
    SELECT ensure_usage_partition(m)
    FROM (SELECT DISTINCT date_trunc('month', d)::date AS m FROM unnest(days) d) months;
$$;

-- A business day's lock (class 1937008996, key = days since 2000-01-01):
-- ingestion holds it shared for the days it writes, settlement exclusively
-- for the day it settles, so no usage slips in while a day is being settled
-- and two settlements of one day run one after the other.
CREATE FUNCTION lock_days_for_usage(days DATE[]) RETURNS void LANGUAGE sql AS $$
    SELECT count(pg_advisory_xact_lock_shared(1937008996, d - DATE '2000-01-01'))
    FROM (SELECT DISTINCT d FROM unnest(days) d ORDER BY d) sorted;
$$;

CREATE FUNCTION lock_day_for_settlement(day DATE) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1937008996, day - DATE '2000-01-01');
$$;

-- A year around the migration; later months are created ahead by the daily
-- settlement and, failing that, before an ingestion that needs them.
SELECT ensure_usage_partition((date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + n * interval '1 month')::date)
FROM generate_series(-2, 12) n;

-- A business day (Asia/Shanghai) once settled: its usage is frozen.
CREATE TABLE settled_days (
    day        DATE          PRIMARY KEY,
    bills      INTEGER       NOT NULL DEFAULT 0,
    total      NUMERIC(16,2) NOT NULL DEFAULT 0,
    settled_at TIMESTAMPTZ   NOT NULL DEFAULT now()
);

-- One bill per workspace and settled day with usage, charged to the method in
-- force at the end of that day.
CREATE TABLE daily_bills (
    id                 BIGSERIAL     PRIMARY KEY,
    day                DATE          NOT NULL REFERENCES settled_days (day),
    workspace_id       TEXT          NOT NULL REFERENCES workspaces (id),
    account_id         BIGINT        NOT NULL REFERENCES accounts (id),
    amount             NUMERIC(14,2) NOT NULL CHECK (amount >= 0),
    settled_by         TEXT          NOT NULL CHECK (settled_by IN ('billing_center', 'aliyun', 'aws', 'huawei')),
    aliyun_instance_id TEXT          REFERENCES aliyun_instances (instance_id),
    created_at         TIMESTAMPTZ   NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, day),
    CHECK ((settled_by = 'aliyun') = (aliyun_instance_id IS NOT NULL))
);
-- Covering: a month's sums per day and method read the index alone.
CREATE INDEX daily_bills_account_day_idx ON daily_bills (account_id, day)
    INCLUDE (settled_by, aliyun_instance_id, amount, workspace_id);

-- The bill's lines: quantity / unit_size x unit_price, rounded half-up to
-- 0.01 CNY per line (src/billing/pricing.rs).
CREATE TABLE bill_lines (
    bill_id        BIGINT        NOT NULL REFERENCES daily_bills (id) ON DELETE CASCADE,
    item           TEXT          NOT NULL REFERENCES price_items (item),
    retention_days INTEGER       NOT NULL,
    quantity       BIGINT        NOT NULL CHECK (quantity >= 0),
    unit_size      BIGINT        NOT NULL CHECK (unit_size > 0),
    unit_price     NUMERIC(12,4) NOT NULL,
    amount         NUMERIC(14,2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (bill_id, item, retention_days)
);

-- The cash ledger. The balance is the sum of an account's amounts;
-- balance_after keeps the running sum on each entry (written under a lock of
-- the account row, checked against the sum by the tests) so that pages read
-- the balance from the newest entry instead of adding up years of charges.
CREATE TABLE ledger_entries (
    id            BIGSERIAL     PRIMARY KEY,
    account_id    BIGINT        NOT NULL REFERENCES accounts (id),
    kind          TEXT          NOT NULL CHECK (kind IN ('top_up', 'charge', 'adjustment')),
    amount        NUMERIC(14,2) NOT NULL CHECK (amount <> 0),
    balance_after NUMERIC(16,2) NOT NULL,
    -- The bill a charge pays (one charge per bill).
    bill_id       BIGINT        UNIQUE REFERENCES daily_bills (id),
    -- The bank reference of a top-up, the reason of an adjustment.
    reference     TEXT,
    actor         TEXT          NOT NULL,
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    CHECK ((kind = 'charge') = (bill_id IS NOT NULL)),
    CHECK (kind <> 'charge' OR amount < 0),
    CHECK (kind <> 'top_up' OR amount > 0),
    CHECK (kind = 'charge' OR length(reference) BETWEEN 1 AND 200)
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id DESC);
-- A bank transfer is credited once.
CREATE UNIQUE INDEX ledger_entries_top_up_reference_key ON ledger_entries (reference) WHERE kind = 'top_up';

-- One PushMeteringData record per Alibaba instance and settled day: the sum
-- of the day's bills of the workspaces it settled, in 0.01 CNY. Pushed once:
-- pending -> sent (claimed, committed before the call) -> confirmed
-- (Success:true); unknown when the outcome is not known (never pushed again
-- by itself); late when the cut-off passed first; rejected when the
-- marketplace refused it.
CREATE TABLE metering_windows (
    instance_id     TEXT        NOT NULL REFERENCES aliyun_instances (instance_id),
    day             DATE        NOT NULL REFERENCES settled_days (day),
    amount_cents    BIGINT      NOT NULL CHECK (amount_cents > 0),
    start_time      BIGINT      NOT NULL,
    end_time        BIGINT      NOT NULL CHECK (end_time > start_time),
    -- The marketplace's cut-off (01:59 the next day); NULL once an operator
    -- asked for a push regardless.
    cutoff          TIMESTAMPTZ,
    state           TEXT        NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'confirmed', 'unknown', 'late', 'rejected')),
    attempts        INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The last claim: when a request for this window may have left.
    sent_at         TIMESTAMPTZ,
    request_id      TEXT,
    last_error      TEXT,
    resolved_by     TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, day),
    CHECK (state = 'pending' OR attempts > 0 OR resolved_by IS NOT NULL)
);
CREATE INDEX metering_windows_due_idx ON metering_windows (next_attempt_at) WHERE state = 'pending';
CREATE INDEX metering_windows_state_idx ON metering_windows (state, day);
