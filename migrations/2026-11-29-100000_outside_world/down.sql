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
DELETE FROM aliyun_instances WHERE ali_uid IS NULL;
ALTER TABLE aliyun_instances
    DROP CONSTRAINT aliyun_instances_opened_has_details,
    DROP CONSTRAINT aliyun_instances_details_together,
    ALTER COLUMN sku_id SET NOT NULL,
    ALTER COLUMN product_code SET NOT NULL,
    ALTER COLUMN ali_uid SET NOT NULL;
