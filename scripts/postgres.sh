#!/usr/bin/env bash
# A PostgreSQL server for the history tests (tests/test_history.py), from Debian's packages:
# a cluster in build/postgres/ (or /var/tmp/aidtools-postgres-<id>/ when the `postgres` user cannot reach the
# checkout; build/postgres.dir says which) owned by the `postgres` user (when run as root), listening on
# 127.0.0.1:$PG_PORT only (another free port when that one is taken), trust authentication for local TCP, a database `aidtools_test`, and its URL in
# build/postgres.url for the tests. Idempotent: a running server is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_PORT="${PG_PORT:-54329}"
DIR="$PWD/build/postgres"
URL_FILE="$PWD/build/postgres.url"
rm -f "$URL_FILE"
bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir="$d"; done
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian package: postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir="$d"; done
  fi
fi
if [ -z "$bindir" ]; then
  echo "PostgreSQL 不可用：请安装 Debian 软件包 postgresql（sudo apt-get install postgresql）；PostgreSQL 的历史库测试在 CI 中会失败 / please install postgresql" >&2
  exit 0
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$PWD/build"
# As root the server runs as `postgres`, which may not reach a checkout inside a private folder (mktemp -d,
# a home directory): then the cluster lives under /var/tmp, one per checkout; build/postgres.dir says where.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PWD/build"; then
  DIR="/var/tmp/aidtools-postgres-$(printf %s "$PWD" | sha1sum | cut -c1-12)"
fi
echo "$DIR" > "$PWD/build/postgres.dir"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR" && chmod 700 "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_pg "$bindir/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
# A port another program (or another checkout's server) holds: take a free one instead; the URL file says which.
port_free() { python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$1" 2>/dev/null; }
if as_pg "$bindir/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  PG_PORT="$(sed -n 4p "$DIR/data/postmaster.pid")"  # our own server, already running: its port
elif ! port_free "$PG_PORT"; then
  PG_PORT="$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")"
  echo "端口已被占用，改用 $PG_PORT / port busy, using $PG_PORT"
fi
if ! as_pg "$bindir/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  as_pg "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DIR -c fsync=off" start >/dev/null \
    || { echo "PostgreSQL 启动失败，见 $DIR/server.log" >&2; tail -5 "$DIR/server.log" >&2; exit 0; }
fi
as_pg "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='aidtools_test'" \
  | grep -q 1 || as_pg "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres aidtools_test
echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/aidtools_test" > "$URL_FILE"
echo "PostgreSQL: $(cat "$URL_FILE")（停止：make postgres-stop）"
