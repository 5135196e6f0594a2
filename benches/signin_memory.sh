#!/usr/bin/env bash
# Memory after a burst of sign-ins (issue 11, point 4):
#   cargo build --release && bash benches/signin_memory.sh
# Starts a demo instance on a fresh SQLite file, adds 200 people with passwords through
# the API, restarts the instance (so the set-up's hashing does not count), fires 200
# concurrent correct sign-ins of the 200 accounts (token requests, 200 at once, each
# from its own address through a trusted proxy header, as 200 people would), and
# prints the server's VmRSS (now) and VmHWM (peak) from /proc after the burst and after
# a few seconds of rest. Each argon2id hash takes 19 MiB while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
port=${PORT:-8094}
people=${PEOPLE:-200}
dir=$(mktemp -d)
db="$dir/memory.db"
base="http://127.0.0.1:$port"

serve() {
  "$bin" serve --database-url "sqlite://$db" --bind "127.0.0.1:$port" --log warn --trust-forwarded-for "$@" >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start" >&2; cat "$dir/serve.log" >&2; exit 1
}
memory() { # label
  awk -v label="$1" '/^VmRSS|^VmHWM/ {printf "%s %s %s MB\n", label, $1, int($2 / 1024)}' "/proc/$pid/status"
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
trap 'stop; rm -rf "$dir"' EXIT

serve --demo
cio=$(curl -sf -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' \
  -d '{"email":"morgan.reyes@example.org","password":"staffdev-demo","name":"bench"}' \
  | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
for n in $(seq "$people"); do
  curl -sf -o /dev/null -X POST "$base/api/v1/people" -H "authorization: Bearer $cio" \
    -H 'content-type: application/json' \
    -d "{\"email\":\"memory$n@example.org\",\"name\":\"Memory $n\",\"role\":\"staff\",\"password\":\"memory password $n\"}"
done
stop

serve
memory "idle after start:"
seq "$people" | xargs -P "$people" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
  -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' -H 'x-forwarded-for: 10.1.0.{}' \
  -d '{"email":"memory{}@example.org","password":"memory password {}","name":"burst"}' \
  | sort | uniq -c | sed 's/^/sign-ins answered: /'
memory "after $people concurrent sign-ins:"
sleep 5
memory "5 s later:"
