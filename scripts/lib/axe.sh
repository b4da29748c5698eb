# Fetches axe-core (the accessibility engine the browser journeys inject into
# every page they visit) into target/axe-core, once per version. Sourced, not
# run, from the repository's root. The file is never committed: npm installs
# it at test time, with the integrity check of its lock.
#
# After `fetch_axe`, AXE_CORE_JS names axe.min.js (exported for tests/e2e),
# or the function fails saying why.

AXE_CORE_VERSION=4.14.1

fetch_axe() {
  local dir="target/axe-core"
  local js="$dir/node_modules/axe-core/axe.min.js"
  if [ ! -f "$js" ] || ! grep -q "axe v$AXE_CORE_VERSION" "$js"; then
    if ! command -v npm >/dev/null; then
      echo "npm is missing: it installs axe-core for the browser journeys (apt-get install npm)." >&2
      return 1
    fi
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "axe-core@$AXE_CORE_VERSION" >&2 || return 1
  fi
  AXE_CORE_JS="$(pwd)/$js"
  export AXE_CORE_JS
}
