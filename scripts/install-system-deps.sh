#!/usr/bin/env bash
# Debian packages the tests and the serial-bridge firmware need. Idempotent: installs only what is
# missing, so a prepared machine skips apt entirely.
set -euo pipefail
pkgs=(socat gpiod gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
