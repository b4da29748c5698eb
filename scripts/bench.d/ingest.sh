# Sourced by scripts/bench: usage ingestion (issue 12), 10,000-record
# requests from BENCH_INGEST_CLIENTS (default 4) concurrent clients: first
# new records (every one inserted), then the same requests again (every one
# an idempotent no-op). 1,000 workspaces × 10 items per hour, one hour per request.
PSQL="$(command -v psql || echo "$(pg_bin_dir)/psql")"
echo "correct horse battery staple" | "$BIN" account create --username ingester --email ingester@example.com --phone 13900000003 >/dev/null
"$PSQL" "$DATABASE_URL" -X -q -c "
  INSERT INTO workspaces (id, name, site, language, account_id, settlement_method)
  SELECT 'wksp_' || md5('ingest' || n), 'Ingested ' || n, 'cn1', 'en',
         (SELECT id FROM accounts WHERE username = 'ingester'), 'billing_center'
  FROM generate_series(1, 1000) n"
INGEST_OUT=$(python3 - "$BASE" "${BENCH_INGEST_REQUESTS:-60}" "${BENCH_INGEST_CLIENTS:-4}" <<'PY'
import datetime, hashlib, http.client, json, statistics, sys, threading, time, urllib.parse
base, requests, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
url = urllib.parse.urlparse(base)
workspaces = ["wksp_" + hashlib.md5(f"ingest{n}".encode()).hexdigest() for n in range(1, 1001)]
items = [("timeline", 7), ("logs", 14), ("backup", None), ("network", None), ("trace", 7),
         ("profile", 7), ("pv", 7), ("session", None), ("trigger", None), ("report", None)]
top = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
bodies = []
for k in range(requests):
    hour = (top - datetime.timedelta(hours=k + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = []
    for n, ws in enumerate(workspaces):
        for item, retention in items:
            r = {"workspace_id": ws, "hour": hour, "item": item, "quantity": 1000 + n + k}
            if retention:
                r["retention_days"] = retention
            records.append(r)
    bodies.append(json.dumps({"site": "cn1", "records": records}).encode())

def run():
    latencies, lock, queue = [], threading.Lock(), list(range(len(bodies)))
    def client():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                body = bodies[queue.pop()]
            started = time.perf_counter()
            conn.request("POST", "/api/v1/usage", body, {
                "Authorization": "Bearer sandbox-ingest-cn1", "Content-Type": "application/json"})
            res = conn.getresponse()
            answer = res.read()
            latencies.append(time.perf_counter() - started)
            if res.status != 200:
                sys.exit(f"ingestion answered {res.status}: {answer[:300]!r}")
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(bodies) * 10000 / elapsed, statistics.median(latencies) * 1000, p99 * 1000

new = run()
again = run()
print(f"{new[0]:.0f} {new[1]:.0f} {new[2]:.0f} {again[0]:.0f} {again[1]:.0f} {again[2]:.0f}")
PY
)
read -r NEW_RPS NEW_P50 NEW_P99 SAME_RPS SAME_P50 SAME_P99 <<<"$INGEST_OUT"
STORED=$("$PSQL" "$DATABASE_URL" -X -q -t -A -c "SELECT count(*) FROM usage_records")
EXTRA_LINES+=("Usage ingestion, 10,000-record requests, ${BENCH_INGEST_CLIENTS:-4} clients: new records ${NEW_RPS} records/s (request p50 ${NEW_P50} ms, p99 ${NEW_P99} ms); the same requests again (no-ops) ${SAME_RPS} records/s (p50 ${SAME_P50} ms, p99 ${SAME_P99} ms); ${STORED} records stored; server peak RSS so far $(peak_rss) MiB")
