#!/usr/bin/env bash
# Kudos written under 32 concurrent writers, with notifications on and off, next to
# /healthz in the same run (issue 18's performance point):
#   cargo build --release && bash benches/kudos_writes.sh
# A fresh demo database in a temporary directory, served on 127.0.0.1:8094. Each request
# is one kudos from the demo's staff member to three colleagues, so with notifications on
# each write also adds three outbox rows (or digest items) in its transaction. "Off" is
# the cio's department switch for kudos: the same statement runs and inserts nothing.
# A last run adds three chat webhooks that take kudos, so each write also adds three
# webhook deliveries. No mail server is configured and the instance does not post to
# webhooks (STAFFDEV_SEND_WEBHOOKS=false), so nothing is sent during the run: the rows wait.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
duration=${DURATION:-10s}
port=${PORT:-8094}
dir=$(mktemp -d)
db="$dir/kudos.db"
base="http://127.0.0.1:$port"

"$bin" demo --database-url "sqlite://$db" >/dev/null
STAFFDEV_SEND_WEBHOOKS=false "$bin" serve --database-url "sqlite://$db" --bind "127.0.0.1:$port" --log warn >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

token_of() {
  curl -sf -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"staffdev-demo\",\"name\":\"bench\"}" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
staff=$(token_of sam.ito@example.org)
cio=$(token_of morgan.reyes@example.org)
me=$(curl -sf -H "authorization: Bearer $staff" "$base/api/v1/me" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
# Three active colleagues other than the giver.
recipients=$(curl -sf -H "authorization: Bearer $cio" "$base/api/v1/people" |
  python3 -c "import json,sys; me=int(sys.argv[1]); ids=[p['id'] for p in json.load(sys.stdin)['items'] if p.get('active', True) and p['id'] != me and p.get('role') != 'advisor']; print(','.join(map(str, ids[:3])))" "$me")
[ -n "$recipients" ] || { echo "no recipients found" >&2; exit 1; }

switch() { # on|off
  local on=true; [ "$1" = off ] && on=false
  curl -sf -o /dev/null -X PUT "$base/api/v1/notifications/settings" -H "authorization: Bearer $cio" \
    -H 'content-type: application/json' -d "{\"switches\":[{\"kind\":\"kudos_received\",\"on\":$on}]}"
}
count() { # table
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM ' + sys.argv[2]).fetchone()[0])" "$db" "$1"
}
outbox() { count outbox; }
rate() { # label, wrk args…
  local out; out=$(wrk "${@:2}")
  printf '%-48s %10s req/s  p99 %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")"
  grep -E "Non-2xx|Socket errors" <<<"$out" || true
}

echo "kudos writes, 32 connections, $duration each, recipients $recipients"
rate "/healthz" -t2 -c32 -d"$duration" --latency "$base/healthz"
before=$(outbox)
switch on
TOKEN=$staff RECIPIENTS=$recipients rate "POST /api/v1/kudos, notifications on" \
  -t2 -c32 -d"$duration" --latency -s benches/kudos_post.lua "$base/api/v1/kudos"
echo "  outbox rows written: $(( $(outbox) - before ))"
before=$(outbox)
switch off
TOKEN=$staff RECIPIENTS=$recipients rate "POST /api/v1/kudos, notifications off" \
  -t2 -c32 -d"$duration" --latency -s benches/kudos_post.lua "$base/api/v1/kudos"
echo "  outbox rows written: $(( $(outbox) - before ))"
switch on
for n in 1 2 3; do
  curl -sf -o /dev/null -X POST "$base/api/v1/notifications/webhooks" -H "authorization: Bearer $cio" \
    -H 'content-type: application/json' \
    -d "{\"name\":\"Room $n\",\"url\":\"http://127.0.0.1:9/hook/$n\",\"format\":\"slack\",\"events\":[\"kudos\"]}"
done
before=$(outbox)
hooks=$(count webhook_outbox)
TOKEN=$staff RECIPIENTS=$recipients rate "POST /api/v1/kudos, notifications + 3 webhooks" \
  -t2 -c32 -d"$duration" --latency -s benches/kudos_post.lua "$base/api/v1/kudos"
echo "  outbox rows written: $(( $(outbox) - before )), webhook deliveries: $(( $(count webhook_outbox) - hooks ))"
rate "/healthz" -t2 -c32 -d"$duration" --latency "$base/healthz"
