#!/usr/bin/env bash
# Installs the npm packages when they are missing or older than package-lock.json, so that
# `npm test`, `npm run demo` and `npm run bench` work on a fresh clone without a manual step.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.package-lock.json
if [[ -f $stamp && $stamp -nt package-lock.json ]]; then
  exit 0
fi
echo "meterline: installing npm packages (npm ci)…" >&2
npm ci --no-audit --no-fund
