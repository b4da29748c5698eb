# Sourced by scripts/bench: the bills page of an account with 50 workspaces
# × 30 days × 5 items in the month (issue 13): 1,500 bills, 7,500 lines, one
# workspace in five settled by an Alibaba instance. Its own account, logged in.
PSQL="$(command -v psql || echo "$(pg_bin_dir)/psql")"
BILLS_MONTH=2026-10
echo "correct horse battery staple" | "$BIN" account create --username biller --email biller@example.com --phone 13900000004 >/dev/null
"$PSQL" "$DATABASE_URL" -X -q <<SQL
INSERT INTO aliyun_instances (instance_id, ali_uid, product_code, sku_id, claimed_by)
SELECT '990000000001', '1234567890123499', 'cmgj00053362', 'cmgj00053362-postpay', id FROM accounts WHERE username = 'biller';
INSERT INTO workspaces (id, name, site, language, account_id, settlement_method, aliyun_instance_id)
SELECT 'wksp_' || md5('bills' || n), 'Billed ' || n, (ARRAY['cn1','cn6'])[1 + n % 2], 'en',
       (SELECT id FROM accounts WHERE username = 'biller'),
       CASE WHEN n % 5 = 0 THEN 'aliyun' ELSE 'billing_center' END,
       CASE WHEN n % 5 = 0 THEN '990000000001' END
FROM generate_series(1, 50) n;
INSERT INTO settled_days (day)
SELECT d::date FROM generate_series('$BILLS_MONTH-01'::date, '$BILLS_MONTH-30'::date, interval '1 day') d
ON CONFLICT DO NOTHING;
-- (typed as bill_lines' columns, so that the copies below read as the settlement writes them)
CREATE TEMPORARY TABLE bench_items (item TEXT, retention INTEGER, unit_size BIGINT, price NUMERIC(12,4), amount NUMERIC(14,2));
INSERT INTO bench_items VALUES ('timeline', 7, 1000, 0.7, 2.00), ('logs', 14, 1000000, 1.5, 1.85),
       ('trace', 7, 1000000, 3, 3.70), ('pv', 7, 10000, 1, 2.79), ('trigger', 0, 10000, 1, 2.00);
-- (each bill with its copy of its lines, as the settlement writes them)
INSERT INTO daily_bills (day, workspace_id, account_id, amount, settled_by, aliyun_instance_id, workspace_name, site, lines)
SELECT d::date, w.id, w.account_id, 12.34, w.settlement_method, w.aliyun_instance_id, w.name, w.site,
       (SELECT json_agg(json_build_array(i.item, i.retention, 1234567, i.price::text, i.amount::text)) FROM bench_items i)
FROM workspaces w, generate_series('$BILLS_MONTH-01'::date, '$BILLS_MONTH-30'::date, interval '1 day') d
WHERE w.account_id = (SELECT id FROM accounts WHERE username = 'biller');
INSERT INTO bill_lines (bill_id, item, retention_days, quantity, unit_size, unit_price, amount)
SELECT b.id, i.item, i.retention, 1234567, i.unit_size, i.price, i.amount
FROM daily_bills b
JOIN accounts a ON a.id = b.account_id AND a.username = 'biller', bench_items i;
INSERT INTO metering_windows (instance_id, day, amount_cents, start_time, end_time, state, attempts, request_id)
SELECT '990000000001', d::date, 12340, 0, 86400, 'confirmed', 1, 'bench'
FROM generate_series('$BILLS_MONTH-01'::date, '$BILLS_MONTH-30'::date, interval '1 day') d;
-- As autovacuum leaves them in steady state: statistics, and a visibility map
-- so that the month's sums are read from the covering index alone.
VACUUM (ANALYZE) daily_bills, daily_bill_totals, bill_lines;
SQL
curl -fs -c "$WORK/biller.jar" "$BASE/login" >"$WORK/biller.html"
curl -fs -o /dev/null -b "$WORK/biller.jar" -c "$WORK/biller.jar" \
  --data-urlencode "csrf_token=$(token_of "$WORK/biller.html")" \
  --data-urlencode "login=biller" --data-urlencode "password=correct horse battery staple" "$BASE/login"
BILLER_COOKIE=$(session_of "$WORK/biller.jar")
curl -fs -o /dev/null -H "Cookie: $BILLER_COOKIE" "$BASE/billing/bills?month=$BILLS_MONTH"
run "GET /billing/bills (50 workspaces × 30 days × 5 items)" "$CONNS" "$BASE/billing/bills?month=$BILLS_MONTH" -H "Cookie: $BILLER_COOKIE"
run "GET /billing/bills.csv (the same month, 7,500 lines)" 8 "$BASE/billing/bills.csv?month=$BILLS_MONTH" -H "Cookie: $BILLER_COOKIE"
