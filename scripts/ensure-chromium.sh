#!/usr/bin/env bash
# Makes sure Debian's Chromium (`/usr/bin/chromium`, package `chromium`) is installed for the browser tests
# (test/browser: the Grafana plugin harness drives it with playwright-core; no browser is downloaded).
# Quick and idempotent when it is there: prints its version and exits.
set -euo pipefail

chromium_bin=/usr/bin/chromium

print_version() {
  # Debian's launcher script prints a harmless shell warning on some machines: keep stderr out of the way.
  echo "ensure-chromium: $("$chromium_bin" --version 2>/dev/null || echo "chromium at $chromium_bin")" >&2
}

if [ -x "$chromium_bin" ]; then
  print_version
  exit 0
fi

install_hint='sudo apt-get install -y chromium'

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $chromium_bin not found and this is not a Debian/Ubuntu system with apt-get." >&2
  echo "ensure-chromium: install Chromium so that $chromium_bin exists (on Debian: $install_hint)." >&2
  exit 1
fi

# Root runs apt-get itself; anyone else goes through sudo, non-interactively (no password prompt in CI).
if [ "$(id -u)" -eq 0 ]; then
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo -n env DEBIAN_FRONTEND=noninteractive apt-get)
else
  echo "ensure-chromium: $chromium_bin not found, and installing it needs root. Install it with:" >&2
  echo "  $install_hint" >&2
  exit 1
fi

# Refresh package lists only when apt does not know the package yet (fresh containers have no lists).
if ! apt-cache show chromium >/dev/null 2>&1; then
  echo "ensure-chromium: apt-get update" >&2
  "${apt[@]}" update -qq
fi

echo "ensure-chromium: installing Debian's chromium (about 20 s)" >&2
if ! "${apt[@]}" install -y -qq chromium >/dev/null; then
  # Package lists can be stale (the mirror moved on): refresh them once and retry.
  echo "ensure-chromium: install failed; apt-get update and retry" >&2
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq chromium >/dev/null
fi

if [ ! -x "$chromium_bin" ]; then
  echo "ensure-chromium: installed the chromium package but $chromium_bin is still missing" >&2
  exit 1
fi
print_version
