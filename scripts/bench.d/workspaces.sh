# Sourced by scripts/bench: the workspace list of a large account (issue 5):
# 200 workspaces on 5 sites, every one of them on the page. Its own account.
echo "correct horse battery staple" | "$BIN" account create --username lister --email lister@example.com --phone 13900000005 >/dev/null
"$(command -v psql || echo "$(pg_bin_dir)/psql")" "$DATABASE_URL" -X -q -c "
  INSERT INTO workspaces (id, name, site, language, account_id, settlement_method)
  SELECT 'wksp_' || md5('list' || n), 'Workspace ' || n,
         (ARRAY['cn1','cn2','cn4','cn6','us1'])[1 + n % 5], 'en',
         (SELECT id FROM accounts WHERE username = 'lister'), 'billing_center'
  FROM generate_series(1, 200) n"
curl -fs -c "$WORK/lister.jar" "$BASE/login" >"$WORK/lister.html"
curl -fs -o /dev/null -b "$WORK/lister.jar" -c "$WORK/lister.jar" \
  --data-urlencode "csrf_token=$(token_of "$WORK/lister.html")" \
  --data-urlencode "login=lister" --data-urlencode "password=correct horse battery staple" "$BASE/login"
LISTER_COOKIE=$(session_of "$WORK/lister.jar")
run "GET /billing/workspaces (200 workspaces)" "$CONNS" "$BASE/billing/workspaces" -H "Cookie: $LISTER_COOKIE"
