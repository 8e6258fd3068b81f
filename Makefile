# Fizz. `make example` sets up everything and runs the web example; `make test` sets up
# everything and runs every test. Both work on a fresh Debian machine with Node.js 20.
SHELL := /bin/bash
.DEFAULT_GOAL := build
NODE_TEST_FLAGS ?= --test-concurrency=1
FIZZ := node -- bin/fizz.js

.PHONY: deps build test test-unit lint format bench example example-down docker test-tools clean cluster-demo

# `npm install` honours package-lock.json; npm 11.19's `npm ci` rejects the lock it writes
# itself (it wants biome's optional binaries for every platform listed).
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.installed

# tsc writes dist/; the bundle (dist/cli) is what bin/fizz.js runs: it starts in half the time.
build: deps
	node_modules/.bin/tsc -p .
	node scripts/bundle-cli.mjs

docker:
	bash scripts/ensure-docker.sh

# What only the tests need: headless Chromium, an OpenSSH server (never started as a
# service) and tcpdump, from Debian without recommends.
test-tools:
	bash scripts/ensure-test-tools.sh

lint: deps
	node_modules/.bin/biome check .

format: deps
	node_modules/.bin/biome format --write .

# Every test: unit, property, conformance, and the real-engine end-to-end tests.
test: build docker test-tools
	node --test $(NODE_TEST_FLAGS) $$(find dist/test -name '*.test.js' | sort)

# Only the tests that need no Docker Engine.
test-unit: build
	FIZZ_SKIP_DOCKER=1 node --test $(NODE_TEST_FLAGS) $$(find dist/test -name '*.test.js' | sort)

bench: build docker
	node dist/bench/index.js --all --out bench/results

# Set up everything and run the web example: prints the URL to open.
example: build docker
	$(FIZZ) up -d -f examples/web/compose.yaml
	@echo "Open http://localhost:8080  (stop it with: make example-down)"

example-down: build
	$(FIZZ) down -f examples/web/compose.yaml

# Three hosts on this machine (network namespaces, each with its own engine and agent), a web
# service with three replicas, one host killed, the replicas back on the survivors, torn down.
# Needs root. `npm run cluster -- help` drives such a cluster by hand.
cluster-demo: build docker
	node dist/test/cluster/demo.js

clean:
	rm -rf dist
