#!/usr/bin/env bash
# The read replica's start (deploy/replica.compose.yml). On an empty volume it copies the primary
# with pg_basebackup -R, so that it starts as a standby streaming from the primary, through a
# replication slot of its own: the primary keeps the WAL the replica has not received yet, across
# the replica's restarts and however fast the primary writes. Then it runs the server, read-only,
# with any arguments given. A slot whose replica is gone for good keeps WAL on the primary for
# ever: drop it there (SELECT pg_drop_replication_slot('sangathan_replica')).
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=db}"
: "${PRIMARY_PORT:=5432}"
: "${REPLICATION_USER:=sangathan_replicator}"
: "${REPLICATION_SLOT:=sangathan_replica}"
export PGPASSWORD="${SANGATHAN_REPLICATION_PASSWORD:?set SANGATHAN_REPLICATION_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do sleep 1; done
  psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -d postgres -v ON_ERROR_STOP=1 -qAt \
    -v slot="$REPLICATION_SLOT" >/dev/null <<'SQL'
SELECT pg_create_physical_replication_slot(:'slot', true)
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL
  pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -D "$PGDATA" \
    -R -X stream -S "$REPLICATION_SLOT" --checkpoint=fast
  chmod 0700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on "$@"
