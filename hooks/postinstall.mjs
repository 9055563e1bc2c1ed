#!/usr/bin/env node
// A package's install hook: `"install": "node node_modules/ocipkg/hooks/postinstall.mjs"` (or
// `ocipkg install`). Resolves, pulls and prepares every dependency in the `ocipkg` field of
// package.json in the current directory; all logic lives in the CLI's install verb.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(['install', ...process.argv.slice(2)]);
