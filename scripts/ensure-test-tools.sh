#!/usr/bin/env bash
# What only the tests need, from Debian, without recommended packages: headless Chromium for
# the dashboard's browser test (scripts/ensure-chromium.sh), an OpenSSH server for the
# `fizz --host ssh://` test (it runs a private sshd on a loopback port; the system's ssh
# service is neither started nor left enabled when this script installed it) and tcpdump
# for the capture test. `make example` needs none of them. Does nothing when they are here.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'ensure-test-tools: %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

bash ./ensure-chromium.sh

need_pkgs=()
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v tcpdump >/dev/null 2>&1 || need_pkgs+=(tcpdump)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # No service starts during the install (policy-rc.d, honoured by invoke-rc.d and deb-systemd-invoke).
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    made_policy=1
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  [ "$made_policy" = 1 ] && $SUDO rm -f "$policy"
  if [[ " ${need_pkgs[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --now ssh.service >/dev/null 2>&1 || true
  fi
fi
