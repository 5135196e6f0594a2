#!/usr/bin/env bash
# The API contract, checked from outside: serve the demo department on a fresh SQLite
# file, then let schemathesis (property-based, every check it has) call every operation
# of the served document as the cio and as a member of staff. Any failure fails CI.
#
#   bash .ci/schemathesis.sh            # from the repository root
#   MAX_EXAMPLES=20 bash .ci/schemathesis.sh
#
# The budget is fixed (examples per operation, and a seed) so a run takes the same time
# and finds the same things each time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SCHEMATHESIS_VERSION="4.32.5"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
SEED="${SEED:-20261202}"
PORT="${PORT:-18517}"
BASE="http://127.0.0.1:${PORT}"
VENV="${SCHEMATHESIS_VENV:-$root/target/schemathesis-venv}"

started=$(date +%s)

if ! command -v python3 >/dev/null 2>&1; then
  echo "schemathesis: python3 is not installed; installing it"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3 python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    echo "schemathesis: python3-venv is missing; installing it"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi

cargo build --quiet --bin staffdev

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

STAFFDEV_DATABASE_URL="sqlite://${work}/contract.db" \
  STAFFDEV_BIND="127.0.0.1:${PORT}" \
  STAFFDEV_LOG="warn" \
  STAFFDEV_SEND_WEBHOOKS=false \
  target/debug/staffdev serve --demo >"$work/server.log" 2>&1 &
server_pid=$!

# Plain python3 for the few HTTP calls, so the script needs nothing the venv does not.
ready() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE/readyz" 2>/dev/null
}
for _ in $(seq 1 120); do
  ready && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 1
done
ready || { echo "schemathesis: the service did not come up" >&2; cat "$work/server.log" >&2; exit 1; }

token_for() {
  python3 - "$BASE/api/v1/auth/tokens" "$1" <<'PY'
import json, sys, urllib.request
body = json.dumps({"email": sys.argv[2], "password": "staffdev-demo", "name": "schemathesis"}).encode()
request = urllib.request.Request(sys.argv[1], data=body, headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=30))["token"])
PY
}
staff_token=$(token_for sam.ito@example.org)
cio_token=$(token_for morgan.reyes@example.org)

failed=0
run_as() {
  local who="$1" token="$2"
  echo "schemathesis: as $who"
  # revoke_token is left out so the run cannot sign itself out with its own token.
  # It runs in the scratch folder so schemathesis keeps no cache of earlier runs.
  # One worker: with two threads, hypothesis parses lambdas concurrently and CPython 3.11.7's
  # `ast` module is not thread-safe there ("AST constructor recursion depth mismatch",
  # CPython gh-106905), which failed a CI run on an operation that had done nothing wrong.
  (cd "$work" && "$VENV/bin/schemathesis" --no-color --config-file "$root/.ci/schemathesis.toml" run "$BASE/api/openapi.json" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --exclude-operation-id revoke_token \
    --header "Authorization: Bearer $token" \
    --generation-database none) || failed=1
}
run_as staff "$staff_token"
run_as cio "$cio_token"

echo "schemathesis: finished in $(($(date +%s) - started)) s"
if [ "$failed" != 0 ]; then
  echo "schemathesis: the service and its document disagree (see above)" >&2
  exit 1
fi
