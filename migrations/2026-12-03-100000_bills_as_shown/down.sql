DROP TRIGGER bill_lines_are_final ON bill_lines;
DROP INDEX daily_bills_account_day_idx;
CREATE INDEX daily_bills_account_day_idx ON daily_bills (account_id, day)
    INCLUDE (settled_by, aliyun_instance_id, amount, workspace_id);
ALTER TABLE daily_bills DROP COLUMN workspace_name, DROP COLUMN site, DROP COLUMN lines;
