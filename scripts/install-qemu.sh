#!/usr/bin/env bash
# Installs Debian's qemu-system-aarch64 (package qemu-system-arm) for the differential test against
# QEMU's ITS (tests/GicService.Differential). Non-interactive; needs root (CI and developer machines
# run as root). Does nothing when the binary is already on PATH.
set -euo pipefail
if command -v qemu-system-aarch64 >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-qemu.sh: must run as root to apt-get install qemu-system-arm" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends qemu-system-arm
command -v qemu-system-aarch64 >/dev/null
