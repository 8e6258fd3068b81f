#!/usr/bin/env -S node --
// The `fizz` executable: runs the compiled CLI (`make build` writes dist/).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
