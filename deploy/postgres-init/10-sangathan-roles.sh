#!/usr/bin/env bash
# Runs once, when the postgres container starts on an empty data volume (mounted into
# /docker-entrypoint-initdb.d). It makes the two roles Sangathan runs as:
#   sangathan_owner  owns the schema and runs the migrations (SANGATHAN_MIGRATE_DATABASE_URL);
#   sangathan_app    the server's own user (SANGATHAN_DATABASE_URL), which the migrate step grants
#                    only what the server needs — on audit_log only SELECT and INSERT.
# Neither is a superuser; the superuser (POSTGRES_USER) is for administrators only.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner_password="${SANGATHAN_OWNER_PASSWORD:?set SANGATHAN_OWNER_PASSWORD}" \
  -v app_password="${SANGATHAN_APP_PASSWORD:?set SANGATHAN_APP_PASSWORD}" <<'SQL'
CREATE ROLE sangathan_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE sangathan_app LOGIN PASSWORD :'app_password';
-- The owner may create the schema's tables; nobody else may create anything in it.
ALTER DATABASE :"db" OWNER TO sangathan_owner;
ALTER SCHEMA public OWNER TO sangathan_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO sangathan_app;
SQL
