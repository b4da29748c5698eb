-- R8: a release or expiry of an instance we have no record of is remembered
-- as the instance itself, ended, its details unknown until its createInstance
-- arrives (reordered, or Alibaba retrying it); that create answers the
-- instanceId, fills in the details and leaves the instance ended. One row per
-- id, so a create and such a release meet on the primary key.
ALTER TABLE aliyun_instances
    ALTER COLUMN ali_uid DROP NOT NULL,
    ALTER COLUMN product_code DROP NOT NULL,
    ALTER COLUMN sku_id DROP NOT NULL,
    ADD CONSTRAINT aliyun_instances_details_together
    CHECK ((ali_uid IS NULL) = (product_code IS NULL) AND (ali_uid IS NULL) = (sku_id IS NULL)),
    ADD CONSTRAINT aliyun_instances_opened_has_details
    CHECK (ali_uid IS NOT NULL OR status <> 'opened');

-- One-time form keys: a form that creates something carries a random key; the
-- first submission records what it created, a repeat finds it and goes there.
CREATE TABLE form_submissions (
    account_id BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    form_key   TEXT        NOT NULL CHECK (form_key ~ '^[A-Za-z0-9]{16,64}$'),
    result     TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, form_key)
);

-- The outbox leases an email to one worker for a bounded time instead of
-- holding a row lock across the SMTP conversation; an expired lease is
-- reclaimed. Bodies (which may carry reset and notice links) exist only while
-- an email waits to be sent.
ALTER TABLE email_outbox
    ADD COLUMN leased_until TIMESTAMPTZ,
    ALTER COLUMN text_body DROP NOT NULL,
    ALTER COLUMN html_body DROP NOT NULL;
UPDATE email_outbox SET text_body = NULL, html_body = NULL WHERE status <> 'pending';
ALTER TABLE email_outbox
    ADD CONSTRAINT email_outbox_bodies_only_while_pending
    CHECK (status = 'pending' OR (text_body IS NULL AND html_body IS NULL)),
    ADD CONSTRAINT email_outbox_pending_has_bodies
    CHECK (status <> 'pending' OR (text_body IS NOT NULL AND html_body IS NOT NULL));

-- When each single-flight background job last finished a pass (every instance
-- runs the loops; one pass per interval happens across all of them).
CREATE TABLE job_runs (
    job         TEXT        PRIMARY KEY,
    finished_at TIMESTAMPTZ NOT NULL
);
