#!/usr/bin/env bash
# `make cluster-demo`: three hosts on this machine, a replicated web project, a host killed,
# its replicas back on the survivors; everything removed at the end (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
c() { node dist/test/cluster/cli.js "$@"; }
trap 'c down >/dev/null 2>&1 || true' EXIT
dir=$(mktemp -d)
cat >"$dir/compose.yaml" <<'YAML'
name: demo
services:
  web:
    image: fizz/busybox:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    init: true
    ports: ["8080:80"]
  worker:
    image: fizz/busybox:latest
    command: ["sleep", "100000"]
    init: true
YAML
c up 3
c exec h1 sh -c "cd $dir && fizz up -d && fizz scale web=3 worker=3 && fizz ps"
echo; echo '--- killing h2 (engine, containers and agent) ---'; c kill h2
sleep 4
c exec h1 sh -c "cd $dir && fizz ps && fizz nodes"
rm -rf "$dir"
