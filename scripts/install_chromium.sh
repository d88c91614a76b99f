#!/usr/bin/env bash
# Debian's Chromium for the browser tests, installed through apt when absent (as root, as CI
# runs); fonts for Arabic text. Playwright drives /usr/bin/chromium; it downloads no browser.
set -euo pipefail
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser tests: install Chromium (Debian: apt-get install chromium) or set CHROMIUM=/path" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-noto-core fonts-noto-color-emoji
