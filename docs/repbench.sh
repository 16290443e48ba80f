#!/usr/bin/env bash
# docs/repbench.sh — the representation figures of docs/BENCHMARKS.md (issue 9), reproduced on
# this machine.
#
# Seeds the whole state into a PostgreSQL database (sangathan seed --scale=state), starts the
# server on it and runs, with sangathan loadtest:
#   1. the state office's representation reads (the representation preset: the state's figures
#      and its by-district breakdown, each also at level=booth) by READ_CLIENTS clients for
#      READ_REQUESTS requests, with the same calls' bare SQL replayed through pgx and RAW_RUNS raw
#      scans (seats ⨝ people ⨝ units, no rollups) of each endpoint timed after them;
#   2. seat and unseat on booth committees for DURATION, by N writers each in a district of its
#      own, then by N writers all in one assembly, for each N in WRITERS.
# The JSON reports go to OUT_DIR, with summary.md (the tables of BENCHMARKS.md).
#
#   docs/repbench.sh [OUT_DIR]        (default /tmp/sangathan-repbench)
#
# Environment: PG (default postgres://postgres@127.0.0.1:5432), DB (sangathan_bench_75, the
# database docs/loadbench.sh seeds for 75 districts), REUSE=1 to keep it when it is already
# seeded, READ_CLIENTS (2), READ_REQUESTS (1000), RAW_RUNS (20), WRITERS ("1 8 32"; empty: no
# writes), DURATION (30s). The load average is the one-minute figure after each run, which
# includes the run's own load.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/sangathan-repbench}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
db=${DB:-sangathan_bench_75}
url="$pg/$db?sslmode=disable"
password=load-test-pass
mkdir -p "$out"
go build -o "$out/sangathan" ./cmd/sangathan
bin="$out/sangathan"

server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap stop_server EXIT

if [ "${REUSE:-0}" != 1 ] || ! psql "$pg/$db" -tAc 'SELECT 1 FROM people LIMIT 1' 2>/dev/null | grep -q 1; then
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  echo "== seeding the state"
  SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" "$bin" seed --scale=state --password "$password" 2>&1 | grep -v '^seed: [0-9]' | tail -3
fi
psql "$url" -qc 'VACUUM ANALYZE'
env SANGATHAN_DATABASE_URL="$url" SANGATHAN_2FA_ROLES=none SANGATHAN_DATA_DIR="$out/data" "$bin" serve --addr 127.0.0.1:18182 >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf 127.0.0.1:18182/readyz >/dev/null && break; sleep 0.2; done
curl -sf 127.0.0.1:18182/readyz >/dev/null || { cat "$out/server.log"; exit 1; }
load() { "$bin" loadtest --url http://127.0.0.1:18182 --password "$password" --server-pid "$server_pid" --quiet --json "$@"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== representation reads (load average $(loadavg))"
load --mix representation --state-share 1 --clients "${READ_CLIENTS:-2}" --requests "${READ_REQUESTS:-1000}" --duration 0 \
  --warmup 3s --baseline-db "$url" --baseline-conns "${READ_CLIENTS:-2}" --raw-runs "${RAW_RUNS:-20}" >"$out/rep-reads.json"
echo "load average after: $(loadavg)" >"$out/rep-reads.loadavg"

for n in ${WRITERS-1 8 32}; do
  for where in districts assembly; do
    echo "== $n writers in $where (load average $(loadavg))"
    load --mix seat=1,unseat=1 --writers-in "$where" --clients "$n" --duration "${DURATION:-30s}" --warmup 3s >"$out/rep-writes-$where-$n.json"
    echo "$(loadavg)" >"$out/rep-writes-$where-$n.loadavg"
  done
done
stop_server
SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" "$bin" verify

{
  echo "| endpoint | requests | p50 ms | p95 ms | bare SQL p50 ms | raw scan p50 ms | raw scan p95 ms | faster p50 | faster p95 |"
  echo "|---|---|---|---|---|---|---|---|---|"
  jq -r '.endpoints[] | "| \(.name) | \(.count) | \(.p50_ms) | \(.p95_ms) | \(.bare.p50_ms) | \(.raw.p50_ms | round) | \(.raw.p95_ms | round) | \(.raw.speedup.p50 | round)× | \(.raw.speedup.p95 | round)× |"' "$out/rep-reads.json"
  echo
  echo "| writers | where | writes/s (2xx) | 409/s | p50 ms | p95 ms | p99 ms | errors | load average after |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for n in ${WRITERS-1 8 32}; do
    for where in districts assembly; do
      f="$out/rep-writes-$where-$n.json"
      jq -r --arg n "$n" --arg w "$where" --arg la "$(cat "$out/rep-writes-$where-$n.loadavg")" \
        '"| \($n) | \(if $w == "assembly" then "one assembly (\(.assembly))" else "\(.districts | length) districts" end) | \(((.total.count - .total.conflicts - .total.errors) / .elapsed_s * 10 | round) / 10) | \((.total.conflicts / .elapsed_s * 10 | round) / 10) | \(.total.p50_ms) | \(.total.p95_ms) | \(.total.p99_ms) | \(.total.errors) | \($la) |"' "$f"
    done
  done
} | tee "$out/summary.md"
