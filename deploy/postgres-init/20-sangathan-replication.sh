#!/usr/bin/env bash
# Runs once, when the postgres container starts on an empty data volume, after
# 10-sangathan-roles.sh. It lets a streaming read replica copy this server
# (deploy/replica.compose.yml): a role that may replicate and do nothing else, and a
# pg_hba.conf line that lets it connect for replication with its password.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="${SANGATHAN_REPLICATION_PASSWORD:?set SANGATHAN_REPLICATION_PASSWORD}" <<'SQL'
CREATE ROLE sangathan_replicator LOGIN REPLICATION PASSWORD :'password';
SQL
echo "host replication sangathan_replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
