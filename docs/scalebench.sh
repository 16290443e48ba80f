#!/usr/bin/env bash
# docs/scalebench.sh — the figures of docs/BENCHMARKS.md "Past one process" (issue 14), reproduced on
# this machine.
#
# It seeds ONE PostgreSQL database (sangathan seed) and runs the same mixed load (sangathan
# loadtest --json, with the bare SQL of every read endpoint replayed through pgx as the baseline of
# the same run) three ways:
#   one     one `sangathan serve` process;
#   two     two processes on two ports (one SANGATHAN_JWT_SECRET), client i on process i mod 2;
#   replica the two processes with SANGATHAN_READ_DATABASE_URL on a streaming replica that the
#           script makes itself: pg_basebackup -R -X stream of the 127.0.0.1:5432 cluster into a
#           temporary directory owned by postgres, started on the first free port from 5433 with
#           hot_standby_feedback=on; stopped and removed at the end, whatever happens. (A server
#           that does not read SANGATHAN_READ_DATABASE_URL runs this like "two".)
# then `sangathan verify`, and writes one.json, two.json, replica.json (the load reports),
# *-reads.txt (each server's /readyz and read metrics after its run), *-wal.txt (the cluster's WAL
# and the audit rows of each run against its writes), sizes.txt and sizes-after.txt (rows and bytes
# per table, before and after the runs), updates.txt (updates and HOT updates per table) and
# summary.md (`sangathan loadtest compare`). About 9 minutes with the defaults.
#
#   docs/scalebench.sh [OUT_DIR]       (default /tmp/sangathan-scalebench)
#
# Environment:
#   PG            postgres://postgres@127.0.0.1:5432 (the primary cluster)
#   DISTRICTS     10; "state" for all 75 (the seed alone then takes 3 to 27 minutes)
#   CLIENTS       32          DURATION  60s          DB  sangathan_scale
#   REUSE=1       keep the database seeded by an earlier run
#   RUNS          "one two replica"; a name given twice runs twice, its second report NAME-2.json
#                 (on a shared machine "one two replica one two replica" interleaves them)
#   MIX           the load tool's --mix (mixed); reads: no writes, so that every GET may read
#                 from the replica
#   BIN           a sangathan binary to use instead of building this checkout
#   SERVE_BIN     another binary for `serve` only (e.g. a build with the replica)
#   REPLICA_PORT  default the first free port from 5433
#   REPLICA_WAIT  seconds to wait for the new replica to catch up (300); after that it is used
#                 as it is and the servers read from the primary until it has
#   CONNS         each server's pool size (SANGATHAN_DB_MAX_CONNS)
#
# Needs: root or the postgres user (pg_basebackup and pg_ctl run as postgres), and a pg_hba.conf
# on the primary that lets postgres make replication connections from 127.0.0.1 (this machine's
# has `host replication all 127.0.0.1/32 trust`; the script does not change it). Each server runs
# with SANGATHAN_2FA_ROLES=none: the load tool's clients share one state office account.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/sangathan-scalebench}
pg=${PG:-postgres://postgres@127.0.0.1:5432}
districts=${DISTRICTS:-10}
clients=${CLIENTS:-32}
duration=${DURATION:-60s}
db=${DB:-sangathan_scale}
runs=${RUNS:-one two replica}
rport=${REPLICA_PORT:-}
if [ -z "$rport" ]; then # the first free port from 5433 (another replica may hold 5433)
  for rport in $(seq 5433 5440); do (exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null || break; done
fi
password=load-test-pass
url="$pg/$db?sslmode=disable"
rurl="postgres://postgres@127.0.0.1:$rport/$db?sslmode=disable"
mkdir -p "$out"
bin=${BIN:-}
if [ -z "$bin" ]; then
  go build -o "$out/sangathan" ./cmd/sangathan
  bin="$out/sangathan"
fi
pgbin=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pids=()
replica_dir=
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
stop_replica() {
  if [ -n "$replica_dir" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$replica_dir" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$replica_dir"
    replica_dir=
  fi
}
trap 'stop_servers; stop_replica' EXIT

# The database, seeded once for all three runs.
if [ "${REUSE:-0}" != 1 ] || ! psql "$pg/$db" -tAc 'SELECT 1 FROM people LIMIT 1' 2>/dev/null | grep -q 1; then
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  scale=(--scale=district --districts "$districts"); [ "$districts" = state ] && scale=(--scale=state)
  echo "$(date +%T) == seeding ${scale[*]}"
  SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" /usr/bin/time -f "seed: %e s, peak RSS %M KB" \
    "$bin" seed "${scale[@]}" --password "$password" 2>&1 | grep -v '^seed: [0-9]' | tail -3
fi
psql "$url" -qc 'VACUUM ANALYZE'
# Rows and bytes (heap, indexes and TOAST together) per table, for docs/SCALING.md.
sizes() {
  psql "$url" -qAF $'\t' -c "
    SELECT c.relname AS table, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS bytes,
           pg_relation_size(c.oid) AS heap_bytes, pg_indexes_size(c.oid) AS index_bytes,
           CASE WHEN c.reltuples > 0 THEN round(pg_total_relation_size(c.oid) / c.reltuples) END AS bytes_per_row
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 3 DESC"
  psql "$url" -tAF $'\t' -c "SELECT 'database', '', pg_database_size(current_database())"
}
sizes >"$out/sizes.txt"
column -t -s $'\t' "$out/sizes.txt" | head -16

# serve N [READ_URL]: N server processes on ports 18181…, one secret, each with its metrics address.
serve() {
  local n=$1 readurl=${2:-} i
  for i in $(seq 1 "$n"); do
    env SANGATHAN_DATABASE_URL="$url" ${readurl:+SANGATHAN_READ_DATABASE_URL=$readurl} SANGATHAN_DATA_DIR="$out/data" \
      SANGATHAN_JWT_SECRET=scalebench-secret-0123456789abcdef0123456789 SANGATHAN_2FA_ROLES=none \
      SANGATHAN_METRICS_ADDR="127.0.0.1:1919$i" ${CONNS:+SANGATHAN_DB_MAX_CONNS=$CONNS} \
      "${SERVE_BIN:-$bin}" serve --addr "127.0.0.1:1818$i" >"$out/server-$name-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 150); do curl -sf "127.0.0.1:1818$i/readyz" >/dev/null && break; sleep 0.2; done
    curl -sf "127.0.0.1:1818$i/readyz" >/dev/null || { cat "$out/server-$name-$i.log"; exit 1; }
  done
}

# The replica: a base backup streamed from the primary, a standby on $rport.
make_replica() {
  if as_postgres "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$rport"; then
    echo "port $rport is taken: set REPLICA_PORT" >&2; exit 1
  fi
  replica_dir=$(mktemp -d /tmp/sangathan-replica.XXXXXX)
  chown postgres:postgres "$replica_dir" 2>/dev/null || true
  chmod 700 "$replica_dir"
  echo "$(date +%T) == pg_basebackup of 127.0.0.1:5432 into $replica_dir"
  local t0=$SECONDS
  as_postgres "$pgbin/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$replica_dir" -R -X stream -c fast
  echo "pg_basebackup: $((SECONDS - t0)) s, $(du -sh "$replica_dir" | cut -f1)"
  # The primary's settings (Debian's live in /etc/postgresql, not in the copied directory); a
  # standby needs these at least as high as its primary's.
  {
    echo "port = $rport"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$replica_dir'"
    echo "hot_standby = on"
    echo "hot_standby_feedback = on"
    echo "max_standby_streaming_delay = 30s"
    psql "$pg/postgres" -tAc "SELECT name || ' = ''' || setting || '''' FROM pg_settings WHERE name IN
      ('max_connections','max_worker_processes','max_wal_senders','max_prepared_transactions',
       'max_locks_per_transaction','timezone','datestyle','lc_messages','lc_numeric',
       'default_text_search_config','autovacuum','fsync')"
  } >"$replica_dir/postgresql.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$replica_dir/pg_hba.conf"
  : >"$replica_dir/pg_ident.conf"
  rm -f "$replica_dir/postmaster.pid" "$replica_dir/postmaster.opts"
  chown -R postgres:postgres "$replica_dir" 2>/dev/null || true
  as_postgres "$pgbin/pg_ctl" -D "$replica_dir" -l "$replica_dir/replica.log" -w -t 120 start >/dev/null
  local rec
  rec=$(psql "postgres://postgres@127.0.0.1:$rport/postgres" -tAc 'SELECT pg_is_in_recovery()')
  [ "$rec" = t ] || { echo "the replica is not in recovery: $rec" >&2; cat "$replica_dir/replica.log"; exit 1; }
  # Caught up: it has replayed what the primary had written when we last asked (other work on the
  # cluster may keep writing: a replica that has not caught up within REPLICA_WAIT seconds is
  # used as it is, and the servers read from the primary until it has — the fallback).
  local lsn caught=no t1=$SECONDS
  while [ $((SECONDS - t1)) -lt "${REPLICA_WAIT:-300}" ]; do
    lsn=$(psql "$pg/postgres" -tAc 'SELECT pg_current_wal_lsn()')
    if [ "$(psql "postgres://postgres@127.0.0.1:$rport/postgres" -tAc "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]; then
      caught=yes; break
    fi
    sleep 1
  done
  echo "caught up with the primary: $caught, after $((SECONDS - t1)) s"
  echo "$(date +%T) == replica on $rport: in recovery $rec; primary's view:"
  psql "$pg/postgres" -c "SELECT application_name, state, sync_state, replay_lag FROM pg_stat_replication"
}

# What each server says about its reads (the replica's contract: /readyz, two metrics).
server_reads() {
  local i
  for i in $(seq 1 "$1"); do
    echo "-- server $i: /readyz $(curl -s "127.0.0.1:1818$i/readyz")"
    curl -s "127.0.0.1:1919$i/metrics" | grep -E '^sangathan_(db_reads_total|replica_lag_seconds)' || echo "   (no replica metrics)"
  done
}

reports=()
declare -A times=()
for run in $runs; do
  times[$run]=$(( ${times[$run]:-0} + 1 ))
  name=$run; [ "${times[$run]}" -gt 1 ] && name=$run-${times[$run]}
  case $run in
    one) n=1; readurl= ;;
    two) n=2; readurl= ;;
    replica) n=2; make_replica; readurl=$rurl ;;
    *) echo "unknown run $run (one, two, replica)" >&2; exit 2 ;;
  esac
  psql "$url" -qc 'VACUUM ANALYZE'
  serve "$n" "$readurl"
  urls=$(for i in $(seq 1 "$n"); do printf 'http://127.0.0.1:1818%s,' "$i"; done); urls=${urls%,}
  spids=$(IFS=,; echo "${pids[*]}")
  echo "$(date +%T) == $name: $n process(es)${readurl:+ and the replica}, $clients clients, $duration, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  lsn0=$(psql "$pg/postgres" -tAc 'SELECT pg_current_wal_lsn()')
  audit0=$(psql "$url" -tAc 'SELECT count(*) FROM audit_log')
  "$bin" loadtest --url "$urls" --password "$password" --clients "$clients" --duration "$duration" \
    --server-pid "$spids" --baseline-db "$url" --mix "${MIX:-mixed}" --quiet --json >"$out/$name.json"
  # The WAL the whole cluster wrote during the run (warm-up, load, bare SQL, clean-up; anything
  # else on the cluster too) and the audit rows the run added, against its writes.
  psql "$url" -tAc "SELECT 'wal_bytes', pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')
                    UNION ALL SELECT 'audit_rows', count(*) - $audit0 FROM audit_log" >"$out/$name-wal.txt"
  jq -r '"writes_2xx \(.writes.seated + .writes.unseated + .writes.people_created + .writes.cleaned_up)"' "$out/$name.json" >>"$out/$name-wal.txt"
  server_reads "$n" | tee "$out/$name-reads.txt"
  stop_servers
  [ "$run" = replica ] && stop_replica
  reports+=("$name=$out/$name.json")
  echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
SANGATHAN_DATABASE_URL="$url" SANGATHAN_DATA_DIR="$out/data" "$bin" verify
# Updates in place, and how many were HOT (no index entry, pruned on the page), since the seed.
psql "$url" -c "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup FROM pg_stat_user_tables
  WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC" >"$out/updates.txt"
psql "$url" -qc 'VACUUM ANALYZE'
sizes >"$out/sizes-after.txt"
"$bin" loadtest compare "${reports[@]}" | tee "$out/summary.md"
