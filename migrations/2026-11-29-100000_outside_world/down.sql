DROP TABLE job_runs;
ALTER TABLE email_outbox
    DROP CONSTRAINT email_outbox_pending_has_bodies,
    DROP CONSTRAINT email_outbox_bodies_only_while_pending;
UPDATE email_outbox SET text_body = '', html_body = '' WHERE text_body IS NULL OR html_body IS NULL;
ALTER TABLE email_outbox
    ALTER COLUMN html_body SET NOT NULL,
    ALTER COLUMN text_body SET NOT NULL,
    DROP COLUMN leased_until;
DROP TABLE form_submissions;
DROP TABLE instance_tombstones;
