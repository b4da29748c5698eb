# The settings the binary will see, for the scripts that check them before
# starting it. Sourced, not run, from the repository's root.
#
# setting NAME DEFAULT prints NAME's value as billing-center reads it: the
# environment first, then the first NAME=... line of ./.env (the binary loads
# that file with dotenvy, which never overrides the environment), then DEFAULT.
# An empty value means DEFAULT, as in src/settings.rs.
setting() {
  local name=$1 default=$2 value=
  if [ -n "${!name+set}" ]; then
    value=${!name}
  elif [ -f .env ]; then
    value=$(dotenv_value "$name")
  fi
  printf '%s' "${value:-$default}"
}

# The value of the first NAME=... line of ./.env: quotes removed, a trailing
# " # comment" of an unquoted value dropped (the values these scripts read are
# addresses and URLs, so no escapes or ${...} substitutions are handled).
dotenv_value() {
  local line value
  line=$(grep -m 1 -E "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" .env) || return 0
  value=${line#*=}
  value=${value#"${value%%[![:space:]]*}"}
  case "$value" in
    \"*) value=${value#\"}; value=${value%%\"*} ;;
    \'*) value=${value#\'}; value=${value%%\'*} ;;
    *) value=${value%%[[:space:]]#*}; value=${value%"${value##*[![:space:]]}"} ;;
  esac
  printf '%s' "$value"
}

# server_malloc: glibc's malloc as a long-running server wants it. Blocks of
# 256 KiB and more are mapped and unmapped on their own, so a large request
# body or export is given back when freed (by default the threshold creeps up
# to the largest block freed, and later large blocks stay in the heap); two
# arenas instead of up to eight per core. The same belongs in production's
# environment (e.g. systemd `Environment=`); an operator's own value wins.
server_malloc() {
  export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=262144:glibc.malloc.arena_max=2}"
}
