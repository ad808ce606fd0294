#!/bin/sh
# First start of the database container: the runtime role the web server, worker and beat connect as.
# It owns nothing; migrations (run as the owner, POSTGRES_USER) grant it exactly what it may do, and the
# audit trail, signatures and seals stay append-only for it (README, "Database roles").
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="${IMS_APP_DB_PASSWORD:?set IMS_APP_DB_PASSWORD}" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
CREATE ROLE ims_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
REVOKE ALL ON DATABASE ims FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE ims TO ims_app;
EOSQL
