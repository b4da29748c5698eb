# Sourced by scripts/bench: the workspace list of a large account (issue 5):
# 200 workspaces on 5 sites, every one of them on the page.
"$(command -v psql || echo "$(pg_bin_dir)/psql")" "$DATABASE_URL" -X -q -c "
  INSERT INTO workspaces (id, name, site, language, account_id, settlement_method)
  SELECT 'wksp_' || md5('bench' || n), 'Workspace ' || n,
         (ARRAY['cn1','cn2','cn4','cn6','us1'])[1 + n % 5], 'en',
         (SELECT id FROM accounts WHERE username = 'bench'), 'billing_center'
  FROM generate_series(1, 200) n ON CONFLICT DO NOTHING"
run "GET /billing/workspaces (200 workspaces)" "$CONNS" "$BASE/billing/workspaces" -H "Cookie: $USER_COOKIE"
