#!/bin/sh
# First start of the database container: the application's login role. It owns nothing and is
# not a superuser; `migrate` (docker-compose.yml) grants it its rights with manage.py db_app_role.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE ssp_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SQL
