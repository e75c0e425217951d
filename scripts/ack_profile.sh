#!/usr/bin/env bash
# Instructions per acknowledged slash command, counted by valgrind's callgrind (reproducible even
# on a busy machine): the release binary started as scripts/run.sh starts it, 2,000 signed
# `/incident help` after a warm-up, net of the background workers' idle share; prints the
# figure and the costliest functions. Needs valgrind (apt-get install valgrind).
#   scripts/ack_profile.sh
#   PROFILE_TEXT="declare" PROFILE_REQUESTS=500 scripts/ack_profile.sh   # a usage error
# Set CARGO_TARGET_DIR to reuse a build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p chatops --bin chatops
cargo build --release --locked -p chatops-tests --example ack_profile
TARGET="${CARGO_TARGET_DIR:-target}"
export CHATOPS_BIN="$TARGET/release/chatops"
exec "$TARGET/release/examples/ack_profile"
