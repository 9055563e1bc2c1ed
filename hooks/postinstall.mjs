#!/usr/bin/env node
// Run by a package's install script (`ocipkg install`) or directly as a postinstall hook:
// resolves, pulls and links every dependency in the `ocipkg` field of package.json in the
// current directory. All logic lives in the CLI's install verb.
import { main } from '../dist/cli/main.js';

await main(['install', ...process.argv.slice(2)]);
