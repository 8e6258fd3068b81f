#!/usr/bin/env -S node --
// The `fizz` executable: runs the compiled CLI (`make build` writes dist/). The bundle
// (dist/cli, scripts/bundle-cli.mjs) starts in half the time; a build made by `tsc` alone
// has none, and then the modules of dist/src run as they are.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/main.js', import.meta.url);
const { main } = existsSync(bundle) ? await import(bundle.href) : await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
