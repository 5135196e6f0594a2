#!/usr/bin/env bash
# The portal under load at scale, next to /healthz in the same run:
#   cargo build --release && bash benches/portal_load.sh
# Seeds /tmp/portal.db once (5,000 people, 1,000,000 kudos; see seed_recognition.py),
# serves it on 127.0.0.1:8092, signs in as a staff member and runs wrk with 32
# connections against /healthz, the portal page signed in, the portal API and the
# public portal (a second server with STAFFDEV_PORTAL_PUBLIC=true), then pages that are
# never shared: the kudos wall's third page, the feed's second page and a deep notebook
# page (and the feed's shared first page).
#
# BACKEND=postgres runs the same requests against PostgreSQL (PG_URL, default
# postgres://postgres@127.0.0.1:5432/bench_portal, created if missing) with two instances
# on the same database: PORT and PORT+1 signed in, PORT+2 and PORT+3 public. `serve` binds
# its port alone (no SO_REUSEPORT), so each wrk run is two wrk processes at the same time,
# one per instance with half the threads and connections; a run's rate is their sum and
# its p99 the higher of the two. When the database holds no kudos it is migrated and
# filled with the rows seed_recognition.py writes into DB (seeded first if missing; for
# this backend DB defaults to /tmp/pg-src.db), copied over by seed_postgres.py.
# PORT (default 8092) moves every port. INSTANCES=1 or 2 overrides the number of
# instances (default 1 on SQLite, 2 on PostgreSQL; two on SQLite share the file), to
# compare like with like.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
backend=${BACKEND:-sqlite}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/bench_portal}
case $backend in
  sqlite) db=${DB:-/tmp/portal.db} ;;
  postgres) db=${DB:-/tmp/pg-src.db} ;;
  *) echo "BACKEND is sqlite or postgres, not $backend" >&2; exit 1 ;;
esac
duration=${DURATION:-15s}
port=${PORT:-8092}

if [ ! -f "$db" ]; then
  "$bin" migrate up --database-url "sqlite://$db"
  python3 benches/seed_recognition.py "$db" "$bin"
fi
if [ "$backend" = postgres ]; then
  database_url=$pg_url
  server=${pg_url%/*} name=${pg_url##*/}
  if [ -z "$(psql "$server/postgres" -XAtc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
    psql "$server/postgres" -Xqc "CREATE DATABASE \"$name\""
  fi
  "$bin" migrate up --database-url "$pg_url" >/dev/null
  if [ "$(psql "$pg_url" -XAtc 'SELECT count(*) FROM kudos')" = 0 ]; then
    "$bin" migrate up --database-url "sqlite://$db" >/dev/null
    python3 benches/seed_postgres.py "$db" "$pg_url"
  fi
  instances=${INSTANCES:-2}
else
  database_url=sqlite://$db
  instances=${INSTANCES:-1}
fi
# With two instances each port has a twin on the next one, and wrk loads both (see run).
case $instances in
  1) twin=0 ;;
  2) twin=1 ;;
  *) echo "INSTANCES is 1 or 2, not $instances" >&2; exit 1 ;;
esac

pids=()
serve() { # port, extra env
  env "${@:2}" "$bin" serve --database-url "$database_url" --bind "127.0.0.1:$1" --log warn >/tmp/portal-serve-$1.log 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server on port $1 did not start" >&2; exit 1
}
trap 'kill $(jobs -p) 2>/dev/null' EXIT
base=http://127.0.0.1:$port
if [ "$twin" = 1 ]; then
  public=http://127.0.0.1:$((port + 2))
  serve "$port"
  serve $((port + 1))
  serve $((port + 2)) STAFFDEV_PORTAL_PUBLIC=true
  serve $((port + 3)) STAFFDEV_PORTAL_PUBLIC=true
else
  public=http://127.0.0.1:$((port + 1))
  serve "$port"
  serve $((port + 1)) STAFFDEV_PORTAL_PUBLIC=true
fi

jar=$(mktemp)
csrf=$(curl -s -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "$base/sign-in" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=bench-staff@example.org" \
  --data-urlencode "password=bench password" --data-urlencode "next=/portal"
session=$(awk '$6 == "staffdev_session" {print $7}' "$jar")
# An advisor's pages carry no "waiting for you" count: the portal without it, to compare.
advisor_jar=$(mktemp)
csrf=$(curl -s -c "$advisor_jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$advisor_jar" -c "$advisor_jar" -o /dev/null -X POST "$base/sign-in" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=bench-advisor@example.org" \
  --data-urlencode "password=bench password" --data-urlencode "next=/portal"
advisor_session=$(awk '$6 == "staffdev_session" {print $7}' "$advisor_jar")
token=$(curl -s -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' \
  -d '{"email":"bench-staff@example.org","password":"bench password","name":"bench"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
# Read whole before looking: `curl | grep -q` fails under pipefail when grep stops early.
portal=$(curl -sf -H "cookie: staffdev_session=$session" "$base/portal")
grep -q "The Big Ugly Trophy" <<<"$portal" || { echo "the signed-in portal did not render" >&2; exit 1; }
if [ "$twin" = 1 ]; then
  # Both instances read sessions and tokens from the database: signed in on one, the
  # other knows the session and the token.
  other=http://127.0.0.1:$((port + 1))
  portal=$(curl -sf -H "cookie: staffdev_session=$session" "$other/portal")
  grep -q "The Big Ugly Trophy" <<<"$portal" && grep -q "Bench Staff" <<<"$portal" \
    || { echo "the second instance did not know the session signed in on the first" >&2; exit 1; }
  curl -sf -o /dev/null -H "authorization: Bearer $token" "$other/api/v1/portal" \
    || { echo "the second instance did not take the token made on the first" >&2; exit 1; }
  echo "== signed in on $port; the session and the API token work on $((port + 1)) too"
fi

# Pages that are read afresh every time (only first pages are shared): the kudos wall some
# pages back, the feed's second page, and the trophy's notebook deep in its 200,000 entries.
older() { # page, link prefix: the cursor of its "older" link
  curl -sf -H "cookie: staffdev_session=$session" "$base$1" | sed -n "s/.*href=\"$2\([^\"#&]*\).*/\1/p" | head -1
}
wall=$(older /portal '\/portal?after=')
wall=$(older "/portal?after=$wall" '\/portal?after=')
notebook=$(older /trophies/1 '\/trophies\/1?after=')
notebook=$(older "/trophies/1?after=$notebook" '\/trophies\/1?after=')
feed=$(curl -sf -H "cookie: staffdev_session=$session" "$base/portal/feed.atom" \
  | grep -o 'feed.atom?after=[^"]*' | head -1 | cut -d= -f2-)
[ -n "$wall" ] && [ -n "$notebook" ] && [ -n "$feed" ] || { echo "no cursors found for the deeper pages" >&2; exit 1; }

# Each run prints its lines and keeps its rate and p99 for the summary at the end.
declare -A rate p99
run() { # name, wrk arguments ending with the URL
  echo "== $1"
  local out
  if [ "$twin" = 0 ]; then
    out=$(wrk -t2 -c32 -d"$duration" --latency "${@:2}")
    grep -E "Requests/sec|  50%|  99%|Non-2xx" <<<"$out"
    rate[$1]=$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")
    p99[$1]=$(awk '$1 == "99%" {print $2}' <<<"$out")
    return
  fi
  # Two instances: the same URL on the next port too, both loaded at once.
  local url=${*: -1} one two
  local p=${url#http://127.0.0.1:}; p=${p%%/*}
  local url2=http://127.0.0.1:$((p + 1))${url#http://127.0.0.1:$p}
  one=$(mktemp) two=$(mktemp)
  wrk -t1 -c16 -d"$duration" --latency "${@:2:$#-2}" "$url" >"$one" &
  local w1=$!
  wrk -t1 -c16 -d"$duration" --latency "${@:2:$#-2}" "$url2" >"$two" &
  wait "$w1" $!
  for f in "$one" "$two"; do
    grep -E "Requests/sec|  50%|  99%|Non-2xx" "$f" | sed "s/^/[$([ "$f" = "$one" ] && echo "$p" || echo $((p + 1)))] /"
  done
  rate[$1]=$(awk '/Requests\/sec/ {s += $2} END {print int(s)}' "$one" "$two")
  # The higher p99 of the two, in its own unit (wrk writes us, ms or s).
  p99[$1]=$(awk '$1 == "99%" {v = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u); ms = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v
                               if (ms >= max) {max = ms; shown = $2}} END {print shown}' "$one" "$two")
  echo "Requests/sec (both): ${rate[$1]}, p99 (the higher): ${p99[$1]}"
  rm -f "$one" "$two"
}
# The portal and the pages read afresh beside /healthz, as shares of its rate (targets:
# the signed-in portal 50%, the API portal at least the signed-in portal's, the pages read
# afresh 10%, the feed's 5%).
summary() {
  local healthz=${rate[/healthz]:-0} line="== summary: /healthz ${rate[/healthz]:-?} req/s"
  for name in "${@}"; do
    local r=${rate[$name]:-0}
    line+=" | ${name%% (*} $r req/s ($(awk -v r="$r" -v h="$healthz" 'BEGIN {printf "%.1f", h ? 100 * r / h : 0}')%) p99 ${p99[$name]:-?}"
  done
  echo "$line"
}
echo "== $(date -u +%T) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), $backend, $instances instance(s)"
run "/healthz" "$base/healthz"
run "/portal signed in" -H "cookie: staffdev_session=$session" "$base/portal"
if [ -n "$advisor_session" ]; then
  run "/portal signed in without the waiting count (an advisor)" -H "cookie: staffdev_session=$advisor_session" "$base/portal"
fi
run "/api/v1/portal" -H "authorization: Bearer $token" "$base/api/v1/portal"
run "/portal public, anonymous" "$public/portal"
run "/portal?after= (the wall's third page, read afresh)" -H "cookie: staffdev_session=$session" "$base/portal?after=$wall"
run "/portal/feed.atom (50 entries, its first page shared)" -H "cookie: staffdev_session=$session" "$base/portal/feed.atom"
run "/portal/feed.atom?after= (its second page, read afresh)" -H "cookie: staffdev_session=$session" "$base/portal/feed.atom?after=$feed"
run "/trophies/1?after= (notebook page 3, read afresh)" -H "cookie: staffdev_session=$session" "$base/trophies/1?after=$notebook"
run "/healthz again" "$base/healthz"
echo "== $(date -u +%T) load: $(cut -d' ' -f1-3 /proc/loadavg)"
summary "/portal signed in" "/api/v1/portal" "/portal?after= (the wall's third page, read afresh)" \
  "/portal/feed.atom?after= (its second page, read afresh)" "/trophies/1?after= (notebook page 3, read afresh)"
# Memory of each server after the run: now (VmRSS) and at its peak (VmHWM).
for pid in "${pids[@]}"; do
  awk -v pid="$pid" '/^VmRSS|^VmHWM/ {printf "== server %s %s %s MB\n", pid, $1, int($2 / 1024)}' "/proc/$pid/status"
done
