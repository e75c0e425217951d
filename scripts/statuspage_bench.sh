#!/usr/bin/env bash
# The status page under a crowd (about 30 s + builds): the release binary with one public incident,
# 64 keep-alive connections GETting /status and /status/api/v2/summary.json in a closed loop, while
# a signed `/incident help` every 10 ms measures the Slack ack latency (alone first, then under the
# crowd). Prints a Markdown table: req/s, errors, ack p50/p99/max, the server's memory.
#   scripts/statuspage_bench.sh
#   BENCH_SECS=30 BENCH_CONNECTIONS=128 scripts/statuspage_bench.sh
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p chatops --bin chatops
cargo build --release --locked -p chatops-tests --example statuspage_bench
TARGET="${CARGO_TARGET_DIR:-target}"
export CHATOPS_BIN="$TARGET/release/chatops"
exec "$TARGET/release/examples/statuspage_bench"
