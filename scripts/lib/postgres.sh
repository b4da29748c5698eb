# Finds a PostgreSQL server for scripts/run, scripts/test and scripts/bench.
# Sourced, not run, from the repository's root. After `find_postgres`,
# PG_SERVER_URL names a server (ending in /postgres) that answers.
#
# 1. DATABASE_URL, when set (in the environment or in ./.env), names the server.
# 2. Else postgres://postgres@127.0.0.1:5432 when something answers there.
# 3. Else, when PostgreSQL's binaries are installed (PATH or
#    /usr/lib/postgresql/*/bin), a private cluster under target/pg on port 55432.

source scripts/lib/settings.sh

pg_bin_dir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Whether a TCP server answers on host $1 port $2.
port_answers() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

start_private_cluster() {
  local bin root data port=55432
  bin=$(pg_bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "No PostgreSQL answers on 127.0.0.1:5432 and no PostgreSQL binaries are installed." >&2
    echo "Install PostgreSQL (apt-get install postgresql) or set DATABASE_URL." >&2
    return 1
  fi
  root="$(pwd)/target/pg"
  data="$root/data"
  mkdir -p "$root"
  # PostgreSQL refuses to run as root: run the cluster as the postgres user then.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$root"
    as=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "Creating a private PostgreSQL cluster in $data" >&2
    "${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! port_answers 127.0.0.1 "$port"; then
    "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$root/server.log" -w \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $root" start >/dev/null
  fi
  PG_SERVER_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

find_postgres() {
  local database_url
  database_url=$(setting DATABASE_URL "")
  if [ -n "$database_url" ]; then
    PG_SERVER_URL="${database_url%/*}/postgres"
  elif port_answers 127.0.0.1 5432; then
    PG_SERVER_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    start_private_cluster || return 1
  fi
  export PG_SERVER_URL
}

# psql against the found server, when psql is installed.
pg_sql() {
  local psql
  psql=$(command -v psql || true)
  [ -n "$psql" ] || psql="$(pg_bin_dir)/psql"
  [ -x "$psql" ] || return 0
  "$psql" "$PG_SERVER_URL" -X -q -t -A -c "$1"
}
