#!/usr/bin/env bash
# The full test suite. Works on a fresh Debian machine: where PostgreSQL, Redis or Alertmanager is missing it
# installs them with apt and starts throwaway instances on loopback, then runs every test.
#   scripts/test.sh            # the whole workspace
#   scripts/test.sh foundation # extra args go to `cargo test`
#   TEST_PG=throwaway scripts/test.sh   # always use a throwaway PostgreSQL cluster
#   scripts/test.sh --extended # also: each fuzz target (bot/tests/fuzz.rs) runs for
#                              # CHATOPS_FUZZ_SECS (default 60) s instead of a few hundred cases
set -euo pipefail
if [ "${1:-}" = --extended ]; then
  shift
  export CHATOPS_EXTENDED=1
fi
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install Rust (rustup, stable >= 1.85) first" >&2
  exit 1
fi

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_install() {
  echo "== installing $* with apt"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

TMP=$(mktemp -d /tmp/chatops-test.XXXXXX)
chmod 755 "$TMP"
cleanup() {
  if [ -n "${PG_STARTED:-}" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- Redis: the tests start their own redis-server processes; it must be installed.
command -v redis-server >/dev/null 2>&1 || apt_install redis-server

# --- Alertmanager: e2e/alert_real.rs starts a real one on loopback (skipped without it).
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 \
  || apt_install prometheus-alertmanager

# --- SMTP: e2e/stakeholders*.rs run a real SMTP server (Python's aiosmtpd) on loopback.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || apt_install python3-aiosmtpd

# --- Chromium: the status page's browser tests (e2e/statuspage_web.rs) drive a real headless one through
# chromedriver, and fail (never skip) without it.
{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } \
  || apt_install chromium chromium-driver

# --- PostgreSQL: use TEST_DATABASE_URL when reachable, else 127.0.0.1:5432, else a throwaway cluster.
pg_ok() { command -v psql >/dev/null 2>&1 && psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }
if [ "${TEST_PG:-}" = throwaway ]; then
  :  # forced: skip any running server
elif [ -n "${TEST_DATABASE_URL:-}" ] && pg_ok "$TEST_DATABASE_URL"; then
  :
elif pg_ok "postgres://postgres@127.0.0.1:5432/postgres"; then
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
fi
if [ -z "${TEST_DATABASE_URL:-}" ] || [ "${TEST_PG:-}" = throwaway ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql postgresql-client
  PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
  PORT=$(free_port)
  mkdir -p "$TMP/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres "$TMP" "$TMP/pg"; RUN="runuser -u postgres --"; else RUN=""; fi
  $RUN "$PGBIN/initdb" -D "$TMP/pg" -A trust -U postgres >/dev/null
  $RUN "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w \
    -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
  PG_STARTED=1
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
  echo "== throwaway PostgreSQL on 127.0.0.1:$PORT"
fi
echo "== PostgreSQL for tests: ${TEST_DATABASE_URL%%@*}@${TEST_DATABASE_URL#*@}"

if [ -n "${CHATOPS_EXTENDED:-}" ]; then
  echo "== extended mode: fuzz targets run ${CHATOPS_FUZZ_SECS:-60} s each"
fi
# --no-fail-fast: one failing test binary does not hide the others; a red run shows all that is red.
cargo test --workspace --locked --no-fail-fast "$@"
