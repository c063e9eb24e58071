#!/usr/bin/env bash
# The main job on the hardware-free default: builds the example model's firmware,
# runs its 10 inputs on an emulated board of the local All-HW-compatible farm,
# checks them against golden outputs, prints a table and leaves allhw-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/node dist/cli.js demo "$@"
