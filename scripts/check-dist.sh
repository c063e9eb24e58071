#!/usr/bin/env bash
# dist/ is what the runner executes: it must be exactly what a fresh bundle of src/ gives.
set -euo pipefail
cd "$(dirname "$0")/.."
# Bundled beside dist/ (same depth), so the source maps' relative paths compare equal.
fresh="$PWD/.dist-check"
rm -rf "$fresh"
trap 'rm -rf "$fresh"' EXIT
ALLHW_BUNDLE_DIR="$fresh" node_modules/.bin/rollup -c rollup.config.js --silent >/dev/null
if ! diff -r -q "$fresh" dist >/dev/null 2>&1; then
  echo "dist/ is out of date with src/: run 'npm run build' and commit dist/." >&2
  diff -r -q "$fresh" dist >&2 || true
  exit 1
fi
echo "dist/ is up to date"
