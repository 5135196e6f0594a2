#!/usr/bin/env bash
# Where the pages read afresh spend their CPU: for each of the kudos wall's third page,
# the feed's second page and the notebook's third page, wrk loads it for 10 s while perf
# samples the server for 8 s; then the top symbols (self time), the share of SQLite's
# re-preparing, row copying and the hand-offs between threads, and which threads ran.
#   cargo build --release && bash benches/profile_pages.sh
# Needs the database portal_load.sh seeds (DB, default /tmp/portal.db), wrk and perf.
# Writes OUT-<page>.data and OUT-<page>.txt (OUT defaults to /tmp/pages-profile).
# Serves on 127.0.0.1:PORT (default 8094).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
db=${DB:-/tmp/portal.db}
out=${OUT:-/tmp/pages-profile}
port=${PORT:-8094}
[ -f "$db" ] || { echo "no $db: run benches/portal_load.sh once to seed it" >&2; exit 1; }

"$bin" serve --database-url "sqlite://$db" --bind "127.0.0.1:$port" --log warn >"$out-serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
jar=$(mktemp)
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "http://127.0.0.1:$port/sign-in" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=bench-staff@example.org" \
  --data-urlencode "password=bench password" --data-urlencode "next=/portal"
session=$(awk '$6 == "staffdev_session" {print $7}' "$jar")
older() { # page, link prefix: the cursor of its "older" link
  curl -sf -H "cookie: staffdev_session=$session" "http://127.0.0.1:$port$1" | sed -n "s/.*href=\"$2\([^\"#&]*\).*/\1/p" | head -1
}
wall=$(older /portal '\/portal?after=')
wall=$(older "/portal?after=$wall" '\/portal?after=')
notebook=$(older /trophies/1 '\/trophies\/1?after=')
notebook=$(older "/trophies/1?after=$notebook" '\/trophies\/1?after=')
feed=$(curl -sf -H "cookie: staffdev_session=$session" "http://127.0.0.1:$port/portal/feed.atom" \
  | grep -o 'feed.atom?after=[^"]*' | head -1 | cut -d= -f2-)

# perf report | grep | head: head may stop early, which is no failure here.
set +o pipefail
for page in "wall:/portal?after=$wall" "feed:/portal/feed.atom?after=$feed" "notebook:/trophies/1?after=$notebook"; do
  name=${page%%:*} path=${page#*:}
  wrk -t2 -c32 -d10s -H "cookie: staffdev_session=$session" "http://127.0.0.1:$port$path" >"$out-$name.wrk" &
  load=$!
  sleep 1
  perf record -q -F 999 -g -o "$out-$name.data" -p "$pid" -- sleep 8 2>/dev/null || true
  wait "$load" || true
  {
    echo "== $name: $path, $(grep Requests/sec "$out-$name.wrk")"
    echo "-- threads"
    perf report -i "$out-$name.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -3
    echo "-- inclusive: re-preparing, row copies, hand-offs, rendering"
    perf report -i "$out-$name.data" --children --sort symbol --stdio -g none 2>/dev/null \
      | grep -E 'sqlite3Reprepare|SqliteRow::current|flume::IntoIter|SyncSignal|sqlite3VdbeExec$|askama::|recognition::atom::write|Command::Ping|ping' \
      | head -12 | cut -c1-140
    echo "-- self time, top 25"
    perf report -i "$out-$name.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -25 | cut -c1-140
  } | sed 's/ *$//' | tee "$out-$name.txt"
done
