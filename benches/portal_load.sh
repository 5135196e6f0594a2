#!/usr/bin/env bash
# The portal under load at scale, next to /healthz in the same run:
#   cargo build --release && bash benches/portal_load.sh
# Seeds /tmp/portal.db once (5,000 people, 1,000,000 kudos; see seed_recognition.py),
# serves it on 127.0.0.1:8092, signs in as a staff member and runs wrk with 32
# connections against /healthz, the portal page signed in, the portal API and the
# public portal (a second server with STAFFDEV_PORTAL_PUBLIC=true), then pages that are
# never shared: the kudos wall's third page, the feed's second page and a deep notebook
# page (and the feed's shared first page).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
db=${DB:-/tmp/portal.db}
duration=${DURATION:-15s}

if [ ! -f "$db" ]; then
  "$bin" migrate up --database-url "sqlite://$db"
  python3 benches/seed_recognition.py "$db" "$bin"
fi

pids=()
serve() { # port, extra env
  env "${@:2}" "$bin" serve --database-url "sqlite://$db" --bind "127.0.0.1:$1" --log warn >/tmp/portal-serve-$1.log 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server on port $1 did not start" >&2; exit 1
}
serve 8092
serve 8093 STAFFDEV_PORTAL_PUBLIC=true
trap 'kill $(jobs -p) 2>/dev/null' EXIT

jar=$(mktemp)
csrf=$(curl -s -c "$jar" http://127.0.0.1:8092/sign-in | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST http://127.0.0.1:8092/sign-in \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=bench-staff@example.org" \
  --data-urlencode "password=bench password" --data-urlencode "next=/portal"
session=$(awk '$6 == "staffdev_session" {print $7}' "$jar")
# An advisor's pages carry no "waiting for you" count: the portal without it, to compare.
advisor_jar=$(mktemp)
csrf=$(curl -s -c "$advisor_jar" http://127.0.0.1:8092/sign-in | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$advisor_jar" -c "$advisor_jar" -o /dev/null -X POST http://127.0.0.1:8092/sign-in \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=bench-advisor@example.org" \
  --data-urlencode "password=bench password" --data-urlencode "next=/portal"
advisor_session=$(awk '$6 == "staffdev_session" {print $7}' "$advisor_jar")
token=$(curl -s -X POST http://127.0.0.1:8092/api/v1/auth/tokens -H 'content-type: application/json' \
  -d '{"email":"bench-staff@example.org","password":"bench password","name":"bench"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
# Read whole before looking: `curl | grep -q` fails under pipefail when grep stops early.
portal=$(curl -sf -H "cookie: staffdev_session=$session" http://127.0.0.1:8092/portal)
grep -q "The Big Ugly Trophy" <<<"$portal" || { echo "the signed-in portal did not render" >&2; exit 1; }

# Pages that are read afresh every time (only first pages are shared): the kudos wall some
# pages back, the feed's second page, and the trophy's notebook deep in its 200,000 entries.
older() { # page, link prefix: the cursor of its "older" link
  curl -sf -H "cookie: staffdev_session=$session" "http://127.0.0.1:8092$1" | sed -n "s/.*href=\"$2\([^\"#&]*\).*/\1/p" | head -1
}
wall=$(older /portal '\/portal?after=')
wall=$(older "/portal?after=$wall" '\/portal?after=')
notebook=$(older /trophies/1 '\/trophies\/1?after=')
notebook=$(older "/trophies/1?after=$notebook" '\/trophies\/1?after=')
feed=$(curl -sf -H "cookie: staffdev_session=$session" http://127.0.0.1:8092/portal/feed.atom \
  | grep -o 'feed.atom?after=[^"]*' | head -1 | cut -d= -f2-)
[ -n "$wall" ] && [ -n "$notebook" ] && [ -n "$feed" ] || { echo "no cursors found for the deeper pages" >&2; exit 1; }

# Each run prints its lines and keeps its rate and p99 for the summary at the end.
declare -A rate p99
run() {
  echo "== $1"
  local out
  out=$(wrk -t2 -c32 -d"$duration" --latency "${@:2}")
  grep -E "Requests/sec|  50%|  99%|Non-2xx" <<<"$out"
  rate[$1]=$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")
  p99[$1]=$(awk '$1 == "99%" {print $2}' <<<"$out")
}
# The pages read afresh beside /healthz, as shares of its rate (targets: 10%, the feed 5%).
summary() {
  local healthz=${rate[/healthz]:-0} line="== summary: /healthz ${rate[/healthz]:-?} req/s"
  for name in "${@}"; do
    local r=${rate[$name]:-0}
    line+=" | ${name%% (*} $r req/s ($(awk -v r="$r" -v h="$healthz" 'BEGIN {printf "%.1f", h ? 100 * r / h : 0}')%) p99 ${p99[$name]:-?}"
  done
  echo "$line"
}
echo "== $(date -u +%T) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run "/healthz" http://127.0.0.1:8092/healthz
run "/portal signed in" -H "cookie: staffdev_session=$session" http://127.0.0.1:8092/portal
if [ -n "$advisor_session" ]; then
  run "/portal signed in without the waiting count (an advisor)" -H "cookie: staffdev_session=$advisor_session" http://127.0.0.1:8092/portal
fi
run "/api/v1/portal" -H "authorization: Bearer $token" http://127.0.0.1:8092/api/v1/portal
run "/portal public, anonymous" http://127.0.0.1:8093/portal
run "/portal?after= (the wall's third page, read afresh)" -H "cookie: staffdev_session=$session" "http://127.0.0.1:8092/portal?after=$wall"
run "/portal/feed.atom (50 entries, its first page shared)" -H "cookie: staffdev_session=$session" http://127.0.0.1:8092/portal/feed.atom
run "/portal/feed.atom?after= (its second page, read afresh)" -H "cookie: staffdev_session=$session" "http://127.0.0.1:8092/portal/feed.atom?after=$feed"
run "/trophies/1?after= (notebook page 3, read afresh)" -H "cookie: staffdev_session=$session" "http://127.0.0.1:8092/trophies/1?after=$notebook"
run "/healthz again" http://127.0.0.1:8092/healthz
echo "== $(date -u +%T) load: $(cut -d' ' -f1-3 /proc/loadavg)"
summary "/portal signed in" "/portal?after= (the wall's third page, read afresh)" \
  "/portal/feed.atom?after= (its second page, read afresh)" "/trophies/1?after= (notebook page 3, read afresh)"
# Memory of each server after the run: now (VmRSS) and at its peak (VmHWM).
for pid in "${pids[@]}"; do
  awk -v pid="$pid" '/^VmRSS|^VmHWM/ {printf "== server %s %s %s MB\n", pid, $1, int($2 / 1024)}' "/proc/$pid/status"
done
