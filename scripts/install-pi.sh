#!/usr/bin/env bash
# Installs doorctl as a systemd service on Raspberry Pi OS (Bookworm or Trixie).
# Run from a checkout as root: sudo bash scripts/install-pi.sh [--board pi4|pi5|pi3]
set -euo pipefail

board=pi4
while [ $# -gt 0 ]; do
  case "$1" in
    --board) board="$2"; shift 2 ;;
    *) echo "usage: $0 [--board pi3|pi4|pi5]" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
src_dir=$(cd "$(dirname "$0")/.." && pwd)
prefix=/opt/doorctl

apt-get update -qq
apt-get install -y -qq --no-install-recommends gpiod python3 make g++

getent group gpio >/dev/null || groupadd --system gpio
getent group dialout >/dev/null || groupadd --system dialout
id doorctl >/dev/null 2>&1 || useradd --system --home-dir /var/lib/doorctl --shell /usr/sbin/nologin \
  --groups gpio,dialout doorctl

mkdir -p "$prefix" /etc/doorctl /var/lib/doorctl
if [ "$src_dir" != "$prefix" ]; then
  tar -C "$src_dir" --exclude=./node_modules --exclude=./data --exclude=./dist --exclude=./.git -cf - . | tar -C "$prefix" -xf -
fi
# The service runs the bundle (dist/cli/bin.js): no TypeScript compiled at every start.
(cd "$prefix" && npm ci --omit=dev --no-audit --no-fund && npm run build)

if [ ! -f /etc/doorctl/config.yaml ]; then
  sed "s/^  board: pi4/  board: $board/" "$prefix/hardware/config.example.yaml" > /etc/doorctl/config.yaml
  echo "wrote /etc/doorctl/config.yaml (board $board): review pins, readers and doors"
fi
chown -R doorctl:doorctl /var/lib/doorctl
chmod 0750 /var/lib/doorctl
chown root:doorctl /etc/doorctl/config.yaml
chmod 0640 /etc/doorctl/config.yaml

install -m 0644 "$prefix/systemd/doorctl.service" /etc/systemd/system/doorctl.service
systemctl daemon-reload
systemctl enable doorctl.service
echo "Set the admin password before first start:"
echo "  sudo -u doorctl DOORCTL_DATA_DIR=/var/lib/doorctl node $prefix/dist/cli/bin.js set-password admin"
echo "then: sudo systemctl start doorctl && journalctl -u doorctl -f"
