#!/usr/bin/env bash
# A real PostgreSQL server for script tests (the shell twin of pg_server.h).
#   eval "$(tests/support/pg_server.sh start)"   # exports AUD_TEST_PG_DIR,
#                                                # AUD_TEST_PG_PORT, AUD_TEST_PG_DSN
#   tests/support/pg_server.sh stop "$AUD_TEST_PG_DIR"
# A fresh cluster in a temporary directory, on 127.0.0.1 and a free port,
# superuser `aud_admin` with a random password (SCRAM over TCP). Run as the
# `postgres` user when we are root: PostgreSQL refuses to run as root.
set -euo pipefail

bindir() {
  if [ -n "${AUD_PG_BINDIR:-}" ]; then echo "$AUD_PG_BINDIR"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    BIN="$(bindir)"
    [ -x "$BIN/pg_ctl" ] || { echo "pg_server.sh: PostgreSQL is not installed: run scripts/bootstrap.sh" >&2; exit 1; }
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/aud-pg.XXXXXX")"
    [ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
    PW="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "$PW" > "$DIR/pwfile"; [ "$(id -u)" -eq 0 ] && chown postgres "$DIR/pwfile"
    as_pg "$BIN/initdb" -D "$DIR/data" -U aud_admin --pwfile="$DIR/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$DIR/setup.log" 2>&1 \
      || { cat "$DIR/setup.log" >&2; exit 1; }
    rm -f "$DIR/pwfile"
    for attempt in 1 2 3 4 5; do
      PORT=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))  # a busy port fails start: next attempt
      if as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
           -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" \
           start >>"$DIR/setup.log" 2>&1; then
        echo "export AUD_TEST_PG_DIR='$DIR' AUD_TEST_PG_PORT=$PORT"
        echo "export AUD_TEST_PG_DSN='host=127.0.0.1 port=$PORT user=aud_admin password=$PW dbname=postgres'"
        exit 0
      fi
    done
    tail -n 20 "$DIR/server.log" >&2 || true
    exit 1
    ;;
  stop)
    DIR="${2:?usage: pg_server.sh stop DIR}"
    case "$DIR" in */aud-pg.*) ;; *) echo "pg_server.sh: refusing to remove $DIR" >&2; exit 1 ;; esac
    as_pg "$(bindir)/pg_ctl" -D "$DIR/data" -w -t 30 -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: pg_server.sh start | stop DIR" >&2; exit 2 ;;
esac
