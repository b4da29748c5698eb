-- A bill keeps what the bills page shows of it, as it was when it was settled:
-- the workspace's name and site, and its lines as one JSON array
-- ([item, retention_days, quantity, "unit_price", "amount"] each). The page
-- then reads a page of bills from one index, in its order, instead of joining
-- every workspace of a day to sort the day by name and running a sub-query
-- per bill to gather its lines: those were four fifths of the page's time in
-- PostgreSQL. The settlement writes the copy and `bill_lines` in one
-- statement, and both are final (the triggers), so they cannot drift apart;
-- `bill_lines` stay what the export and the checks read.
ALTER TABLE daily_bills
    ADD COLUMN workspace_name TEXT,
    ADD COLUMN site TEXT,
    ADD COLUMN lines JSON;

ALTER TABLE daily_bills DISABLE TRIGGER daily_bills_are_final;
UPDATE daily_bills b SET
    workspace_name = w.name,
    site = w.site,
    lines = (SELECT coalesce(json_agg(json_build_array(l.item, l.retention_days, l.quantity,
                                                        l.unit_price::text, l.amount::text)), '[]')
             FROM bill_lines l WHERE l.bill_id = b.id)
FROM workspaces w WHERE w.id = b.workspace_id;
ALTER TABLE daily_bills ENABLE TRIGGER daily_bills_are_final;

ALTER TABLE daily_bills
    ALTER COLUMN workspace_name SET NOT NULL,
    ALTER COLUMN site SET NOT NULL,
    ALTER COLUMN lines SET NOT NULL;

-- The page's order (a day's bills by workspace name), and still covering for
-- a month's sums per day and method, with or without a site filter.
DROP INDEX daily_bills_account_day_idx;
CREATE INDEX daily_bills_account_day_idx ON daily_bills (account_id, day DESC, workspace_name, workspace_id)
    INCLUDE (settled_by, aliyun_instance_id, amount, site);

-- A bill's lines are part of it: as final as the bill.
CREATE TRIGGER bill_lines_are_final BEFORE UPDATE OR DELETE OR TRUNCATE ON bill_lines
    FOR EACH STATEMENT EXECUTE FUNCTION daily_bills_are_final();
