-- Each account's bills summed per day and settlement (the Billing Center
-- account, or one Alibaba Cloud instance): what the bills page's chart and
-- totals and the overview read, a few dozen rows a month instead of one per
-- workspace and day. Kept by the trigger below, so it equals the bills
-- whoever writes them; bills are final, which the second trigger holds.
CREATE TABLE daily_bill_totals (
    -- (a key of its own: the natural one has a nullable column)
    id                 BIGSERIAL     PRIMARY KEY,
    account_id         BIGINT        NOT NULL REFERENCES accounts (id),
    day                DATE          NOT NULL,
    settled_by         TEXT          NOT NULL,
    aliyun_instance_id TEXT          REFERENCES aliyun_instances (instance_id),
    amount             NUMERIC(16,2) NOT NULL,
    bills              INTEGER       NOT NULL,
    UNIQUE NULLS NOT DISTINCT (account_id, day, settled_by, aliyun_instance_id)
);

INSERT INTO daily_bill_totals (account_id, day, settled_by, aliyun_instance_id, amount, bills)
SELECT account_id, day, settled_by, aliyun_instance_id, sum(amount), count(*)
FROM daily_bills GROUP BY account_id, day, settled_by, aliyun_instance_id;

-- One statement of bills (a day's settlement writes them all at once) adds
-- its sums in one upsert.
CREATE FUNCTION daily_bill_totals_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO daily_bill_totals AS t (account_id, day, settled_by, aliyun_instance_id, amount, bills)
    SELECT account_id, day, settled_by, aliyun_instance_id, sum(amount), count(*)
    FROM new_bills GROUP BY account_id, day, settled_by, aliyun_instance_id
    ON CONFLICT (account_id, day, settled_by, aliyun_instance_id)
    DO UPDATE SET amount = t.amount + EXCLUDED.amount, bills = t.bills + EXCLUDED.bills;
    RETURN NULL;
END $$;

CREATE TRIGGER daily_bills_add_to_totals AFTER INSERT ON daily_bills
    REFERENCING NEW TABLE AS new_bills FOR EACH STATEMENT EXECUTE FUNCTION daily_bill_totals_add();

CREATE FUNCTION daily_bills_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'daily bills are final: % is refused', TG_OP;
END $$;

CREATE TRIGGER daily_bills_are_final BEFORE UPDATE OR DELETE OR TRUNCATE ON daily_bills
    FOR EACH STATEMENT EXECUTE FUNCTION daily_bills_are_final();
