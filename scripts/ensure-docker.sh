#!/usr/bin/env bash
# Make sure a Docker Engine answers on this machine and that the offline test images
# exist. Installs Debian's docker.io, busybox-static, docker-compose, docker-registry (a
# registry on loopback for the pull tests), apache2-utils (htpasswd), wireguard-go and
# wireguard-tools (the mesh; a newer wireguard-go from bookworm-backports on Debian 12, see
# below) when missing, starts dockerd in the background when nothing answers, and builds the images from
# busybox-static with `docker import` (no registry is reachable: nothing is pulled).
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need_pkgs+=(busybox-static)
command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_pkgs+=(apache2-utils)
# The encrypted mesh between cluster nodes: userspace WireGuard (no kernel module here).
command -v wireguard-go >/dev/null 2>&1 || need_pkgs+=(wireguard-go)
command -v wg >/dev/null 2>&1 || need_pkgs+=(wireguard-tools)
command -v iptables-restore >/dev/null 2>&1 || need_pkgs+=(iptables)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# wireguard-go before 0.0.20230223 moves one packet per system call (no batching, no TUN
# segmentation offload): Debian 12's 0.0.20220316 carries a quarter of what bookworm-backports'
# 0.0.20231211 does, at 3.7× the CPU per GB (README, "Measured" under networking). On
# bookworm, take it from Debian's backports (pinned low by Debian: nothing else upgrades).
wireguard_go_date() { wireguard-go --version 2>/dev/null | sed -n 's/^wireguard-go v0\.0\.\([0-9]\{8\}\).*/\1/p'; }
wg_date=$(wireguard_go_date)
if [ -n "$wg_date" ] && [ "$wg_date" -lt 20230223 ]; then
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    log "wireguard-go $wg_date has no batching: installing bookworm-backports' wireguard-go"
    list=/etc/apt/sources.list.d/fizz-bookworm-backports.sources
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $SUDO tee "$list" >/dev/null
    fi
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq -t bookworm-backports wireguard-go >/dev/null; }; then
      log "warning: bookworm-backports' wireguard-go did not install; the mesh works, slower"
    fi
  else
    log "warning: wireguard-go $wg_date has no batching (the mesh works, slower); 0.0.20230223 or later is faster"
  fi
fi

# Debian's engine is 20.10 (API 1.41); a newer client elsewhere on PATH negotiates down.
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker

if ! $DOCKER info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  $SUDO sh -c 'nohup dockerd >/var/log/fizz-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    $DOCKER info >/dev/null 2>&1 && break
    sleep 0.5
  done
  $DOCKER info >/dev/null 2>&1 || { log "dockerd did not answer; see /var/log/fizz-dockerd.log"; exit 1; }
fi

# Offline images: a busybox root file system imported as an image.
build_image() {
  local name=$1
  if $DOCKER image inspect "$name" >/dev/null 2>&1; then return; fi
  log "building $name from busybox-static"
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc" "$root/data"
  local bb=/bin/busybox
  [ -x "$bb" ] || bb=/usr/bin/busybox
  cp "$bb" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'nogroup:x:65534:' >>"$root/etc/group"
  echo '<h1>Hello from Fizz</h1>' >"$root/www/index.html"
  tar -C "$root" -c . | $DOCKER import \
    -c 'ENV PATH=/bin' \
    -c 'CMD ["/bin/sh"]' \
    - "$name" >/dev/null
  rm -rf "$root"
}
build_image fizz/busybox:latest
log "engine ready: $($DOCKER version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
