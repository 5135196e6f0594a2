#!/usr/bin/env bash
# The server's CPU per request under load, beside its rate and p99: a figure that a busy,
# shared machine disturbs far less than the rate alone.
#   bash benches/cpu_per_request.sh PORT URL [DURATION] [CONNECTIONS] [wrk arguments...]
# The server is the process whose command line says `--bind 127.0.0.1:PORT`; its user and
# system time (from /proc/PID/stat) before and after a wrk run, over the requests served.
set -euo pipefail
port=$1 url=$2 duration=${3:-6s} connections=${4:-32}
pid=$(pgrep -f -- "--bind 127.0.0.1:$port( |$)" | head -1)
[ -n "$pid" ] || { echo "no server with --bind 127.0.0.1:$port" >&2; exit 1; }
ticks=$(getconf CLK_TCK)
before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
out=$(wrk -t2 -c"$connections" -d"$duration" --latency "${@:5}" "$url")
after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
awk -v b="$before" -v a="$after" -v t="$ticks" -v port="$port" '
  /requests in/ {n = $1} /Requests\/sec/ {rate = $2} $1 == "99%" {p99 = $2}
  END {printf "port %s: %s req/s, p99 %s, server CPU %.3f ms per request\n", port, rate, p99, (a - b) / t * 1000 / n}' <<<"$out"
