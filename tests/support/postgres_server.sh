#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start DIR` initialises a cluster as an
# unprivileged user (postgres when run as root: the server refuses to run as root), in a fresh
# directory under /tmp (that user may not be able to reach DIR, under /root say), listening only
# on 127.0.0.1 on a free port, trusting local connections, with durability switched off (a test
# server loses nothing worth keeping), and writes its URL to DIR/url. `stop DIR` stops it and
# removes both directories. `pause DIR` stops a started server and keeps its data; `resume DIR`
# starts it again on the same port (for tests of a server that goes away). Without
# PostgreSQL's server binaries, `start` writes DIR/missing with the reason instead, and the
# tests that need a server skip with it. TUNE_PG_DURABLE=1 keeps PostgreSQL's durability
# settings (benchmarks compare durable commits).
set -euo pipefail
cmd=$1 dir=$2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
cluster=$(cat "$dir/cluster" 2>/dev/null || true)

case $cmd in
start)
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb) are missing;" \
      "install the Debian package postgresql (scripts/setup.sh with TUNE_TEST_DEPS=1)" \
      >"$dir/missing"
    exit 0
  fi
  cluster=$(mktemp -d /tmp/tune-postgres-XXXXXX)
  echo "$cluster" >"$dir/cluster"
  [ ${#as_owner[@]} -eq 0 ] || chown postgres "$cluster"
  chmod 700 "$cluster"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U tune -A trust -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  settings="-c listen_addresses=127.0.0.1 -p $port -k $cluster -c max_connections=200"
  [ "${TUNE_PG_DURABLE:-0}" = 1 ] ||
    settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  echo "$settings" >"$dir/settings"
  bash "$0" resume "$dir"
  echo "postgresql://tune@127.0.0.1:$port/postgres" >"$dir/url"
  ;;
resume)
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
    -o "$(cat "$dir/settings")" start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }
  ;;
pause)
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null
  ;;
stop)
  if [ -n "$cluster" ] && [ -d "$cluster/data" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [ -z "$cluster" ] || rm -rf "$cluster"
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop|pause|resume DIR" >&2
  exit 2
  ;;
esac
