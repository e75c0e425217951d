#!/usr/bin/env bash
# Runs the bot on embedded defaults: SQLite store in ./data, in-process cache, nothing else.
# The binary reads ./.env itself (variables already set win) and, when the configuration has
# mistakes, lists them all and stops: the same list `chatops check-config` prints.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked -p chatops -- serve
