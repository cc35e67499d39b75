#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests, which run this when /usr/bin/chromium is missing
# (Playwright never downloads a browser here). Non-interactive; needs root for apt-get.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium.sh: /usr/bin/chromium is missing and installing it needs root (apt-get install chromium)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# One install at a time, should several test processes ask at once.
exec 9>/tmp/gicservice-install-chromium.lock
flock 9
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version
