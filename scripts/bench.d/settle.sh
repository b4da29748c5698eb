# Sourced by scripts/bench: daily settlement of 10,000 workspace-days (issue
# 12): 100 accounts × 100 workspaces, one in ten settled by one of 10
# Alibaba instances, 24 hours × 3 items of usage each, on a day five days
# back (the ingestion scenario writes the last hours). Times the
# settlement transaction (bills, lines, ledger charges, metering windows)
# and the whole command (start, migrations check, settlement, 10 pushes).
PSQL="$(command -v psql || echo "$(pg_bin_dir)/psql")"
SETTLE_DAY=$(TZ=Asia/Shanghai date -d '5 days ago' +%F)
for n in $(seq 10); do
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"ali_uid\":\"12345678901234$((10 + n))\"}" "http://$APP_SANDBOX_LISTEN/market/api/instances"
done
"$PSQL" "$DATABASE_URL" -X -q <<SQL
INSERT INTO accounts (username, email, phone, password_hash)
SELECT 'settler' || a, 'settler' || a || '@example.com', '+86137' || lpad(a::text, 8, '0'), '\$argon2id\$bench'
FROM generate_series(1, 100) a;
UPDATE aliyun_instances SET claimed_by = (SELECT id FROM accounts WHERE username = 'settler1')
  WHERE instance_id IN (SELECT instance_id FROM sandbox.instances);
INSERT INTO workspaces (id, name, site, language, account_id, settlement_method, aliyun_instance_id)
SELECT 'wksp_' || md5('settle' || n), 'Settled ' || n, 'cn1', 'en',
       (SELECT id FROM accounts WHERE username = 'settler' || (1 + n % 100)),
       CASE WHEN n % 10 = 0 THEN 'aliyun' ELSE 'billing_center' END,
       CASE WHEN n % 10 = 0 THEN (SELECT instance_id FROM sandbox.instances ORDER BY instance_id OFFSET (n / 10) % 10 LIMIT 1) END
FROM generate_series(1, 10000) n;
INSERT INTO usage_records (hour, workspace_id, item, quantity, retention_days)
SELECT ('$SETTLE_DAY'::date::timestamp AT TIME ZONE 'Asia/Shanghai') + h * interval '1 hour',
       'wksp_' || md5('settle' || n), i.item, 1000 + n * 7 + h, i.retention
FROM generate_series(1, 10000) n, generate_series(0, 23) h,
     (VALUES ('logs', 14), ('trace', 7), ('trigger', 0)) i (item, retention);
ANALYZE usage_records;
SQL
SETTLE_START=$(date +%s%N)
SETTLE_OUT=$("$BIN" settle --day "$SETTLE_DAY")
SETTLE_TOTAL_MS=$(( ($(date +%s%N) - SETTLE_START) / 1000000 ))
SETTLE_MS=$(sed -n 's/.*(\([0-9]*\) ms).*/\1/p' <<<"$SETTLE_OUT" | head -1)
EXTRA_LINES+=("Settlement of 10,000 workspace-days (720,000 usage records): ${SETTLE_MS} ms in the settlement transaction, ${SETTLE_TOTAL_MS} ms for the whole \`billing-center settle\` command:")
EXTRA_LINES+=("  $(grep '^Settled' <<<"$SETTLE_OUT")" "  $(grep '^Metering pushed' <<<"$SETTLE_OUT")")
