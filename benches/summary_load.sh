#!/usr/bin/env bash
# The committee's summary at scale, next to /healthz in the same run:
#   cargo build --release && bash benches/summary_load.sh
# Seeds DB (default /tmp/summary.db) once: the portal benchmark's department
# (seed_recognition.py: 5,000 people, 1,000,000 kudos, a 200,000-entry notebook) plus
# seed_summary.py (a plan, last year's closed cycle and this year's, 50,000 goals,
# 400,000 skill assessments). Serves it on 127.0.0.1:PORT (default 8095) and measures
# this year's cycle summary: the time of one request (the median of 9, by curl) and
# requests per second at 8 connections (wrk, DURATION, default 10s), as the cio (exact
# figures) and as staff (figures withheld under k), through the API and the page.
# Target: under 100 ms for one request.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
db=${DB:-/tmp/summary.db}
duration=${DURATION:-10s}
port=${PORT:-8095}
base=http://127.0.0.1:$port

if [ ! -f "$db" ]; then
  "$bin" migrate up --database-url "sqlite://$db" >/dev/null
  python3 benches/seed_recognition.py "$db" "$bin"
  python3 benches/seed_summary.py "$db"
fi
cycle=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT MAX(id) FROM review_cycles WHERE plan_id = (SELECT id FROM plans WHERE title = '"'"'Bench plan'"'"')").fetchone()[0])' "$db")

"$bin" serve --database-url "sqlite://$db" --bind "127.0.0.1:$port" --log warn >/tmp/summary-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

token() {
  curl -sf -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"bench password\",\"name\":\"bench\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
cio=$(token bench-cio@example.org)
staff=$(token bench-staff@example.org)
jar=$(mktemp)
csrf=$(curl -s -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "$base/sign-in" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=bench-cio@example.org" --data-urlencode "password=bench password" --data-urlencode "next=/"
session=$(awk '$6 == "staffdev_session" {print $7}' "$jar")
summary="$base/api/v1/summaries?cycle_id=$cycle"
curl -sf -H "authorization: Bearer $cio" "$summary" | grep -q '"coverage"' || { echo "the summary did not answer" >&2; exit 1; }

one() { # name, curl arguments: the median of 9 requests, after one to warm
  local times
  times=$(for _ in $(seq 10); do curl -sf -o /dev/null -w '%{time_total}\n' "${@:2}"; done | tail -9 | sort -n)
  printf '== %s: one request, median of 9: %.1f ms\n' "$1" "$(echo "$times" | sed -n 5p | awk '{print $1 * 1000}')"
}
run() { echo "== $1"; wrk -t2 -c8 -d"$duration" --latency "${@:2}" | grep -E "Requests/sec|  50%|  99%|Non-2xx"; }
echo "== $(date -u +%T) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), cycle $cycle"
one "/healthz" "$base/healthz"
one "cycle summary, API, cio" -H "authorization: Bearer $cio" "$summary"
one "cycle summary, API, staff" -H "authorization: Bearer $staff" "$summary"
one "cycle summary, page, cio" -H "cookie: staffdev_session=$session" "$base/summaries?cycle_id=$cycle"
one "last 12 months, API, cio" -H "authorization: Bearer $cio" "$base/api/v1/summaries"
run "/healthz" "$base/healthz"
run "cycle summary, API, cio" -H "authorization: Bearer $cio" "$summary"
run "cycle summary, API, staff" -H "authorization: Bearer $staff" "$summary"
run "cycle summary, page, cio" -H "cookie: staffdev_session=$session" "$base/summaries?cycle_id=$cycle"
echo "== $(date -u +%T) load: $(cut -d' ' -f1-3 /proc/loadavg)"
