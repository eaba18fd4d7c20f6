#!/usr/bin/env bash
# Installs what Alembic Pilot's build and tests need on a fresh Debian machine, then the npm
# dependencies. Safe to run again: packages already present are left alone.
#   - PostgreSQL 15 server binaries: the tests start a throwaway cluster with them.
#   - python3 with venv: the tests build a cached virtualenv with Alembic 1.20.
#   - chromium, and libkrb5-dev with a C++ toolchain: the end-to-end suite (`npm run test:e2e`)
#     installs code-server into its cache on first use, whose native modules build against
#     them, and drives the workbench in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v runuser >/dev/null || need+=(util-linux)
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
  # Debian starts a cluster of its own when the package is installed; the tests use their own.
  if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main stop 2>/dev/null || true; fi
fi

npm ci --no-audit --no-fund
