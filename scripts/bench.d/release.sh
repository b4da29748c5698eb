# Sourced by scripts/bench: releaseInstance for an instance bound to 1,000
# workspaces (one transaction: switch all, 1,000 history rows, a notice, an
# email), timed end to end over HTTP like the marketplace calls it.
signed_spi() {
  python3 - "$@" <<'PY'
import hashlib, sys, urllib.parse
params = dict(arg.split("=", 1) for arg in sys.argv[1:])
base = "&".join(f"{k}={params[k]}" for k in sorted(params)) + "&key=sandbox-spi-key"
params["token"] = hashlib.md5(base.encode()).hexdigest()
print("/api/aliyun/spi?" + urllib.parse.urlencode(params))
PY
}
RELEASE_ID=700000001
# Its own account, so the other scenarios' pages keep their size.
echo "correct horse battery staple" | "$BIN" account create --username releaser --email releaser@example.com --phone 13900000002 >/dev/null
curl -fs -o /dev/null "$BASE$(signed_spi action=createInstance aliUid=1234567890123456 orderBizId=$RELEASE_ID \
  orderId=1 productCode=cmgj00053362 skuId=cmgj00053362-postpay trial=false)"
"$(command -v psql || echo "$(pg_bin_dir)/psql")" "$DATABASE_URL" -X -q -c "
  UPDATE aliyun_instances SET claimed_by = (SELECT id FROM accounts WHERE username = 'releaser') WHERE instance_id = '$RELEASE_ID';
  INSERT INTO workspaces (id, name, site, language, account_id, settlement_method, aliyun_instance_id)
  SELECT 'wksp_' || md5('release' || n), 'Bound ' || n, (ARRAY['cn1','cn6'])[1 + n % 2], 'en',
         (SELECT id FROM accounts WHERE username = 'releaser'), 'aliyun', '$RELEASE_ID'
  FROM generate_series(1, 1000) n"
RELEASE_MS=$(curl -fs -o "$WORK/release.json" -w '%{time_total}' \
  "$BASE$(signed_spi action=releaseInstance instanceId=$RELEASE_ID isRefund=false)" | awk '{ printf "%.1f", $1 * 1000 }')
SWITCHED=$("$(command -v psql || echo "$(pg_bin_dir)/psql")" "$DATABASE_URL" -X -q -t -A -c \
  "SELECT count(*) FROM settlement_changes WHERE aliyun_instance_id = '$RELEASE_ID' AND reason = 'marketplace_release'")
EXTRA_LINES+=("releaseInstance of an instance bound to 1,000 workspaces: ${RELEASE_MS} ms end to end ($(cat "$WORK/release.json"); ${SWITCHED} workspaces switched)")
