#!/usr/bin/env bash
# The skills department view read afresh, at 2,000 people x 20 skills x 10 assessments:
#   cargo build --release && bash benches/skills_department.sh
# Seeds DB (default /tmp/skills.db) once with seed_skills.py, serves it on 127.0.0.1:8096,
# and times single requests to /api/v1/skills/department as the cio (exact figures) and as
# a member of staff (figures decided for them), each after the shared tallies have
# expired (their time to live is 5 s), the median of 5, beside /healthz. Then wrk with 8
# connections (mostly served from the shared tallies). Target: under 20 ms read afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/staffdev}
db=${DB:-/tmp/skills.db}
duration=${DURATION:-5s}
base=http://127.0.0.1:8096

if [ ! -f "$db" ]; then
  "$bin" migrate up --database-url "sqlite://$db" >/dev/null
  python3 benches/seed_skills.py "$db" "$bin"
fi
if ! sqlite3 "$db" "SELECT 1 FROM people WHERE email = 'bench-reader@example.org'" | grep -q 1; then
  echo "bench password" | "$bin" create-user --database-url "sqlite://$db" --email bench-reader@example.org \
    --name "Bench Reader" --role staff >/dev/null
fi
"$bin" serve --database-url "sqlite://$db" --bind 127.0.0.1:8096 --log warn >/tmp/skills-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
token() {
  curl -sf -X POST "$base/api/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"bench password\",\"name\":\"bench\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
cio=$(token bench-cio@example.org)
reader=$(token bench-reader@example.org)
view="$base/api/v1/skills/department"
curl -sf -H "authorization: Bearer $cio" "$view" | grep -q '"average_current"' || { echo "the view did not answer" >&2; exit 1; }

afresh() { # name, curl arguments: the median of 5 requests, each after the shared tallies expired
  local times
  times=$(for _ in $(seq 5); do sleep 5.2; curl -sf -o /dev/null -w '%{time_total}\n' "${@:2}"; done | sort -n)
  printf '== %s: one request read afresh, median of 5: %.1f ms\n' "$1" "$(echo "$times" | sed -n 3p | awk '{print $1 * 1000}')"
}
echo "== $(date -u +%T) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
afresh "/healthz" "$base/healthz"
afresh "department view, cio" -H "authorization: Bearer $cio" "$view"
afresh "department view, staff" -H "authorization: Bearer $reader" "$view"
run() { echo "== $1"; wrk -t2 -c8 -d"$duration" --latency "${@:2}" | grep -E "Requests/sec|  50%|  99%|Non-2xx"; }
run "/healthz" "$base/healthz"
run "department view, cio" -H "authorization: Bearer $cio" "$view"
run "department view, staff" -H "authorization: Bearer $reader" "$view"
