#!/usr/bin/env bash
# Runs the bot on embedded defaults: SQLite store in ./data, in-process cache, nothing else.
# Reads ./.env when present. SLACK_SIGNING_SECRET is required (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .env ]; then set -a; . ./.env; set +a; fi
if [ -z "${SLACK_SIGNING_SECRET:-}" ]; then
  echo "SLACK_SIGNING_SECRET is not set: copy .env.example to .env and fill it in (see README)" >&2
  exit 2
fi
exec cargo run --release --locked -p chatops -- serve
