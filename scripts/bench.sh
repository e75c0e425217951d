#!/usr/bin/env bash
# Slash-command acknowledgement benchmark: the real app next to a bare axum handler, loopback
# only, about 45 s. Prints req/s and p50/p99/max latency for both, and the ratio.
#   scripts/bench.sh                                  # defaults
#   BENCH_SECS=5 BENCH_CONNECTIONS=64 BENCH_RATE=2000 scripts/bench.sh
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked -p chatops-tests --example ack_bench
