#!/usr/bin/env bash
# The client survey form (what outsiders hit) under load, next to /healthz in the same run:
#   cargo build --release && bash benches/survey_form_load.sh
# (BIN=target/debug/staffdev for a debug build.) Loads the demo department into a fresh
# SQLite file (its survey "How did we do?" is open, with a year of answers), serves it on
# 127.0.0.1:8094 and runs wrk with 32 connections for DURATION (default 5s) against
# /healthz, the open link's form page (/respond/1) and /healthz again. The form page is
# read only: the rate limit counts submissions, not visits. Target: the form serves at
# least a third of /healthz's requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
db=${DB:-/tmp/survey-bench.db}
duration=${DURATION:-5s}

rm -f "$db" "$db-wal" "$db-shm"
"$bin" migrate up --database-url "sqlite://$db" >/dev/null
"$bin" demo --database-url "sqlite://$db" >/dev/null 2>&1
"$bin" serve --database-url "sqlite://$db" --bind 127.0.0.1:8094 --log warn >/tmp/survey-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:8094/healthz >/dev/null && break; sleep 0.2; done
# Read whole before grep looks: `grep -q` stops at the first match, and under pipefail the
# curl it cut off would fail the check.
form=$(curl -sf http://127.0.0.1:8094/respond/1 || true)
grep -q "How did we do?" <<<"$form" || { echo "the survey form did not render" >&2; exit 1; }

run() { echo "== $1"; wrk -t2 -c32 -d"$duration" --latency "$2" | grep -E "Requests/sec|  50%|  99%|Non-2xx"; }
echo "== $(date -u +%T) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), $bin"
run "/healthz" http://127.0.0.1:8094/healthz
run "/respond/1 (the open link's form)" http://127.0.0.1:8094/respond/1
run "/healthz again" http://127.0.0.1:8094/healthz
echo "== $(date -u +%T) load: $(cut -d' ' -f1-3 /proc/loadavg)"
