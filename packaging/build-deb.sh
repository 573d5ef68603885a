#!/usr/bin/env bash
# Builds the Debian package: target/debian/atelier_<version>_<arch>.deb (fat-LTO `dist` profile).
# Needs cargo-deb (installed here on first use). Usage: packaging/build-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "Installing cargo-deb (once, about 3 minutes)..."
  cargo install cargo-deb --locked
fi

cargo deb --profile dist
ls -l target/debian/*.deb
