#!/usr/bin/env bash
# Make sure headless Chromium is here for the dashboard's browser test (test/cluster/dashboard.test.ts):
# Debian's chromium and one font, without the recommended desktop packages (upower, notification
# daemon, …), so a fresh CI machine spends little time on it. Does nothing when it is there.
set -euo pipefail

log() { printf 'ensure-chromium: %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need_pkgs+=(fonts-dejavu-core)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
log "$(chromium --version 2>/dev/null | head -1)"
