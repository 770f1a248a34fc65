#!/usr/bin/env bash
# Makes sure InfluxDB 1.x (`influxd`, Debian package `influxdb`) is installed for the integration tests,
# which start their own private instances (test/support/influxdb.ts). Quiet and a no-op when present.
# Installing never leaves the package's own service running on port 8086.
set -euo pipefail

if command -v influxd >/dev/null 2>&1 || [ -x /usr/bin/influxd ]; then
  exit 0
fi

install_cmd='sudo apt-get install -y influxdb'

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-influxdb: influxd not found and this is not a Debian/Ubuntu system with apt-get." >&2
  echo "ensure-influxdb: install InfluxDB 1.x so that 'influxd' is on PATH (on Debian/Ubuntu: $install_cmd)," >&2
  echo "ensure-influxdb: or point INFLUXD at the binary." >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-influxdb: influxd not found. Install it with:" >&2
  echo "  $install_cmd" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Refresh package lists only when apt does not know the package yet (fresh containers have no lists).
if ! apt-cache show influxdb >/dev/null 2>&1; then
  echo "ensure-influxdb: apt-get update" >&2
  apt-get update -qq
fi

# Keep maintainer scripts from starting the packaged service: tests run their own instances, and a
# system influxd would hold port 8086. policy-rc.d (exit 101 = "action forbidden") is honoured by
# invoke-rc.d and deb-systemd-invoke. Only install ours if none exists, and always remove it again.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() {
  if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi
}
trap cleanup EXIT

echo "ensure-influxdb: installing influxdb" >&2
if ! apt-get install -y -qq --no-install-recommends influxdb >/dev/null; then
  # Package lists can be stale (the mirror moved on): refresh them once and retry.
  echo "ensure-influxdb: install failed; apt-get update and retry" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends influxdb >/dev/null
fi

# Belt and braces: if a service manager started it anyway, stop it and keep it from starting at boot.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet influxdb 2>/dev/null; then
  systemctl stop influxdb || true
  systemctl disable influxdb >/dev/null 2>&1 || true
elif command -v service >/dev/null 2>&1 && service influxdb status >/dev/null 2>&1; then
  service influxdb stop >/dev/null 2>&1 || true
fi

if ! command -v influxd >/dev/null 2>&1 && [ ! -x /usr/bin/influxd ]; then
  echo "ensure-influxdb: installed the influxdb package but influxd is still missing" >&2
  exit 1
fi
echo "ensure-influxdb: $(influxd version 2>/dev/null || echo influxd) installed" >&2
