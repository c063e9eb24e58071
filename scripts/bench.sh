#!/usr/bin/env bash
# Runs a benchmark script of bench/ on Node 24: `npm run bench -- <name> [args]`.
# Benchmarks print figures; they assert nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/$name.ts" ]; then
  echo "usage: npm run bench -- <name> [args]; names: $(cd bench && ls *.ts | sed 's/\.ts$//' | tr '\n' ' ')" >&2
  exit 2
fi
shift
bash scripts/setup.sh
# The CLI bundle some benchmarks spawn must be current.
node_modules/.bin/rollup -c rollup.config.js --silent
exec node_modules/.bin/node --import ./scripts/ts-resolve.mjs "bench/$name.ts" "$@"
