#!/usr/bin/env bash
# The status page under a crowd (about 40 s + builds): the release binary with one public incident,
# 64 keep-alive connections GETting the page (wrk, Debian's package, installed here where missing;
# without it a built-in generator that also asks summary.json), first on the bot's port (/status),
# then on the page's own port (STATUSPAGE_PORT), while a signed `/incident help` every 10 ms
# measures the Slack ack latency (alone first, then under each crowd). The crowd runs at nice 10
# (it stands for visitors whose CPU is elsewhere). Prints a Markdown table: req/s, errors,
# ack p50/p99/max, the server's memory.
#   scripts/statuspage_bench.sh
#   BENCH_SECS=30 BENCH_CONNECTIONS=128 scripts/statuspage_bench.sh
#   BENCH_WRK=0 BENCH_CROWD_NICE=0 scripts/statuspage_bench.sh   # built-in generator, not niced
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_WRK:-1}" != 0 ] && ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk; } >/dev/null 2>&1 \
    || echo "wrk could not be installed: the built-in load generator is used" >&2
fi
cargo build --release --locked -p chatops --bin chatops
cargo build --release --locked -p chatops-tests --example statuspage_bench
TARGET="${CARGO_TARGET_DIR:-target}"
export CHATOPS_BIN="$TARGET/release/chatops"
exec "$TARGET/release/examples/statuspage_bench"
