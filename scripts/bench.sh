#!/usr/bin/env bash
# Slash-command acknowledgement benchmark, one machine, one run (about 1 minute + builds):
# a signed `/incident help` at 16 connections against a bare axum handler, axum with a signature
# check, chatops (the release binary started as scripts/run.sh starts it: default logging, only
# the required variables) and Bolt for JavaScript 5.1 (scripts/bolt-peer, installed with npm on
# first use). Prints a Markdown table (req/s, p50/p99/max, peak RSS), the ratios and the targets.
#   scripts/bench.sh
#   BENCH_SECS=30 BENCH_ROUNDS=5 BENCH_CONNECTIONS=64 scripts/bench.sh   # per peer: 30 s in 5 turns
#   BENCH_BOLT=0 scripts/bench.sh            # without the Bolt peer (no Node.js needed)
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p chatops --bin chatops
cargo build --release --locked -p chatops-tests --example ack_bench
TARGET="${CARGO_TARGET_DIR:-target}"
export CHATOPS_BIN="$TARGET/release/chatops"
export BOLT_PEER=""
if [ "${BENCH_BOLT:-1}" != 0 ]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "Bolt peer: Node.js 20+ and npm are needed (or BENCH_BOLT=0 to leave Bolt out)" >&2
    exit 1
  fi
  if [ ! -d scripts/bolt-peer/node_modules/@slack/bolt ]; then
    (cd scripts/bolt-peer && npm ci --no-audit --no-fund)
  fi
  BOLT_PEER="$PWD/scripts/bolt-peer/app.js"
fi
exec "$TARGET/release/examples/ack_bench"
