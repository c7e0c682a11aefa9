# Sourced once, on an empty data directory, by the postgres image's entry point (the public
# image and docker/postgres alike): a role and a database per service that keeps data.
psql -v ON_ERROR_STOP=1 -U postgres \
  -v users_password="$USERS_DB_PASSWORD" -v messages_password="$MESSAGES_DB_PASSWORD" <<'SQL'
CREATE ROLE users LOGIN PASSWORD :'users_password';
CREATE DATABASE users OWNER users;
CREATE ROLE messages LOGIN PASSWORD :'messages_password';
CREATE DATABASE messages OWNER messages;
SQL
