#!/usr/bin/env bash
# `npm run demo [-- OPTIONS]`: installs what `meterline demo OPTIONS` needs, builds, and runs it.
#   - Debian's influxdb package (scripts/ensure-influxdb.sh), unless --influx-url names another InfluxDB;
#   - Debian's chromium (scripts/ensure-chromium.sh) only when the render step is on (no --no-browser);
#   - npm run build (the CLI, and the Grafana plugins the render step loads).
# The npm packages are installed before this by the `predemo` script (scripts/ensure-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1
own_influx=1
help=0
for arg in "$@"; do
  case "$arg" in
    --no-browser) browser=0 ;;
    # Stack mode sends traffic to an existing collector: it renders nothing.
    --otlp-url | --otlp-url=*) browser=0 ;;
    --influx-url | --influx-url=*) own_influx=0 ;;
    -h | --help) help=1 ;;
  esac
done

if [ "$help" -eq 0 ]; then
  if [ "$own_influx" -eq 1 ]; then bash scripts/ensure-influxdb.sh; fi
  if [ "$browser" -eq 1 ]; then bash scripts/ensure-chromium.sh; fi
fi
npm run --silent build
exec node otel-processor/dist/cli.js demo "$@"
