#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start DIR` initialises a cluster in DIR/data as
# an unprivileged user (postgres when run as root: the server refuses to run as root), listening
# only on 127.0.0.1 on a free port, trusting local connections, with durability switched off
# (a test server loses nothing worth keeping), and writes its URL to DIR/url. `stop DIR` stops
# it and removes DIR. `pause DIR` stops a started server and keeps its data; `resume DIR` starts
# it again on the same port (for tests of a server that goes away). Without PostgreSQL's server binaries, `start` writes DIR/missing with the
# reason instead, and the tests that need a server skip with it. TUNE_PG_DURABLE=1 keeps
# PostgreSQL's durability settings (benchmarks compare durable commits).
set -euo pipefail
cmd=$1 dir=$2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

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
  [ ${#as_owner[@]} -eq 0 ] || chown postgres "$dir"
  chmod 700 "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U tune -A trust -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  settings="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200"
  [ "${TUNE_PG_DURABLE:-0}" = 1 ] ||
    settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  echo "$settings" >"$dir/settings"
  bash "$0" resume "$dir"
  echo "postgresql://tune@127.0.0.1:$port/postgres" >"$dir/url"
  ;;
resume)
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "$(cat "$dir/settings")" start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
pause)
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
stop)
  if [ -f "$dir/url" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop|pause|resume DIR" >&2
  exit 2
  ;;
esac
