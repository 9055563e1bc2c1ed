#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { OcipkgError } from '../errors.js';
import { helpText, parseVerbArgs } from './args.js';
import { reportError } from './report.js';
import { isEntryPoint } from './entry.js';
import type { Verb } from './verb.js';
import { copyVerb } from './verbs/copy.js';
import { inspectVerb } from './verbs/inspect.js';
import { tagsVerb } from './verbs/tags.js';
import { loginVerb, logoutVerb } from './verbs/login.js';
import { packVerb } from './verbs/pack.js';
import { buildVerb } from './verbs/build.js';
import { pullVerb } from './verbs/pull.js';
import { appendVerb } from './verbs/append.js';
import { publishVerb } from './verbs/publish.js';
import { installVerb } from './verbs/install.js';
import { cacheVerb } from './verbs/cache.js';

/** Every verb, in the order `ocipkg --help` lists them. */
export const VERBS: Verb[] = [installVerb, copyVerb, pullVerb, inspectVerb, tagsVerb, loginVerb, logoutVerb, buildVerb, publishVerb, appendVerb, packVerb, cacheVerb];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length));
  const lines = VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`);
  return `usage: ocipkg <verb> [options]\n\nverbs:\n${lines.join('\n')}\n\nocipkg <verb> --help shows a verb's options; ocipkg --version prints the version.\n`;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h') {
      io.stdout.write(usage());
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const name = first === 'help' ? rest[0] : first;
    const verb = VERBS.find((v) => v.name === name);
    if (!verb) {
      if (first === 'help' && name === undefined) {
        io.stdout.write(usage());
        return 0;
      }
      throw new OcipkgError('E_USAGE', `unknown verb ${JSON.stringify(name)} (verbs: ${VERBS.map((v) => v.name).join(', ')})`);
    }
    if (first === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(helpText(verb));
      return 0;
    }
    const { positionals, values } = parseVerbArgs(verb, rest);
    await verb.run({ positionals, values, stdout: io.stdout, stderr: io.stderr });
    return 0;
  } catch (err) {
    return reportError(err, io.stderr);
  }
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
