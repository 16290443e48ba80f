#!/usr/bin/env bash
# docs/loadbench.sh — the load figures of docs/BENCHMARKS.md, reproduced on this machine.
#
# For 1, 10 and 75 districts it seeds a PostgreSQL database (sangathan seed), starts the server on
# it and runs the same mixed load (sangathan loadtest --json), with the bare SQL of every read
# endpoint replayed through pgx as the baseline; then it writes the growth table and chart.
#
#   docs/loadbench.sh [OUT_DIR]        (default /tmp/sangathan-loadbench)
#
# Environment: PG (default postgres://postgres@127.0.0.1:5432), CLIENTS (32), DURATION (60s),
# SIZES ("1 10 75"), REUSE=1 to keep databases seeded by an earlier run, CONNS (pool size).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/sangathan-loadbench}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
clients=${CLIENTS:-32}
duration=${DURATION:-60s}
sizes=${SIZES:-1 10 75}
password=load-test-pass
mkdir -p "$out"
go build -o "$out/sangathan" ./cmd/sangathan
bin="$out/sangathan"

server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=; }
trap stop_server EXIT

args=()
for d in $sizes; do
  db="sangathan_bench_$d"
  url="$pg/$db?sslmode=disable"
  if [ "${REUSE:-0}" != 1 ] || ! psql "$pg/$db" -tAc 'SELECT 1 FROM people LIMIT 1' 2>/dev/null | grep -q 1; then
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    scale=(--scale=district --districts "$d"); [ "$d" = 75 ] && scale=(--scale=state)
    echo "== seeding $d district(s)"
    SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" /usr/bin/time -f "seed: %e s, peak RSS %M KB" \
      "$bin" seed "${scale[@]}" --password "$password" 2>&1 | grep -v '^seed: [0-9]' | tail -3
  fi
  psql "$url" -qc 'VACUUM ANALYZE'
  env SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" ${CONNS:+SANGATHAN_DB_MAX_CONNS=$CONNS} \
    SANGATHAN_2FA_ROLES=none "$bin" serve --addr 127.0.0.1:18181 >"$out/server-$d.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf 127.0.0.1:18181/readyz >/dev/null && break; sleep 0.2; done
  curl -sf 127.0.0.1:18181/readyz >/dev/null || { cat "$out/server-$d.log"; exit 1; }
  echo "== load at $d district(s): $clients clients, $duration"
  "$bin" loadtest --url http://127.0.0.1:18181 --password "$password" --clients "$clients" --duration "$duration" \
    --server-pid "$server_pid" --baseline-db "$url" --quiet --json >"$out/load-$d.json"
  stop_server
  SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" "$bin" verify
  args+=("$d=$out/load-$d.json")
done
"$bin" loadtest growth --svg "$out/growth.svg" "${args[@]}" | tee "$out/growth.md"
