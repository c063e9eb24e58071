#!/usr/bin/env bash
# The test command: installs what is missing, checks types, lint and format,
# bundles src/ into dist/ (the end-to-end tests run the bundle, so an edit of
# src/ is tested without a manual rebuild), then runs every test on Node 24.
# Whether the committed dist/ is fresh is its own check: npm run check-dist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

tsc --noEmit -p .
eslint . || { echo "lint: fix the problems above (npx eslint . --fix fixes some)" >&2; exit 1; }
prettier --check . >/dev/null || { prettier --list-different . >&2; echo "format: the files above are not formatted: run npm run format" >&2; exit 1; }
rollup -c rollup.config.js --silent

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + (r.numFailedTestSuites ? r.numFailedTestSuites - 0 : 0);
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit $status
