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
