#!/usr/bin/env bash
# Makes sure the binaries the test suite starts on loopback exist:
# PostgreSQL, Redis and Chromium (Debian packages). Installs them when running as root;
# otherwise says in one line what to install.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The end-to-end tests (tests/e2e) drive Debian's Chromium through Playwright.
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test services: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The Debian package starts a cluster and a server we do not use; tests start their own.
  service postgresql stop >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
else
  echo "Missing test services: install the Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
