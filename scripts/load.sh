#!/usr/bin/env bash
# Load and idle figures of the release binary on loopback (about 3.5 minutes):
# 60 s of signed slash commands and events at 1,000/s on SQLite and on PostgreSQL (non-2xx,
# p50/p99/max ack latency, bot CPU, RSS after 10 s / at end / peak), start-up time to ready on a
# fresh database, idle RSS, and RSS after a minute of reminders for 1,000 incidents (1 s cadence).
#   scripts/load.sh
#   LOAD_SECS=10 LOAD_RATE=500 LOAD_REMINDER_SECS=0 scripts/load.sh   # a short run
# PostgreSQL: TEST_DATABASE_URL or 127.0.0.1:5432 (a fresh database is created).
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p chatops --bin chatops
cargo build --release --locked -p chatops-tests --example load
TARGET="${CARGO_TARGET_DIR:-target}"
export CHATOPS_BIN="$TARGET/release/chatops"
exec "$TARGET/release/examples/load"
