#!/usr/bin/env node
import { OcipkgError } from '../errors.js';
import { helpText, parseVerbArgs } from './args.js';
import { reportError } from './report.js';
import { isEntryPoint, stopOnClosedStdout } from './entry.js';
import { version } from './version.js';

export { version };
import type { Verb } from './verb.js';

/**
 * Every verb, in the order `ocipkg --help` lists them, loaded only when used: a CLI that runs
 * `inspect` or `--version` should not pay for the tar, compression and install code.
 */
const LOADERS: Record<string, () => Promise<Verb>> = {
  install: async () => (await import('./verbs/install.js')).installVerb,
  copy: async () => (await import('./verbs/copy.js')).copyVerb,
  pull: async () => (await import('./verbs/pull.js')).pullVerb,
  inspect: async () => (await import('./verbs/inspect.js')).inspectVerb,
  tags: async () => (await import('./verbs/tags.js')).tagsVerb,
  login: async () => (await import('./verbs/login.js')).loginVerb,
  logout: async () => (await import('./verbs/login.js')).logoutVerb,
  build: async () => (await import('./verbs/build.js')).buildVerb,
  publish: async () => (await import('./verbs/publish.js')).publishVerb,
  append: async () => (await import('./verbs/append.js')).appendVerb,
  pack: async () => (await import('./verbs/pack.js')).packVerb,
  cache: async () => (await import('./verbs/cache.js')).cacheVerb,
};

export const VERB_NAMES = Object.keys(LOADERS);

/** Every verb, loaded (for the full help). */
export async function loadVerbs(): Promise<Verb[]> {
  return Promise.all(VERB_NAMES.map((n) => LOADERS[n]!()));
}

async function usage(): Promise<string> {
  const VERBS = await loadVerbs();
  const width = Math.max(...VERBS.map((v) => v.name.length));
  const lines = VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`);
  return `usage: ocipkg <verb> [options]\n\nverbs:\n${lines.join('\n')}\n\nocipkg <verb> --help shows a verb's options; ocipkg --version prints the version.\n`;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h') {
      io.stdout.write(await usage());
      if (first === undefined) io.stderr.write('ocipkg: no verb given (the usage is above)\n');
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const name = first === 'help' ? rest[0] : first;
    const verb = name !== undefined && Object.hasOwn(LOADERS, name) ? await LOADERS[name]!() : undefined;
    if (!verb) {
      if (first === 'help' && name === undefined) {
        io.stdout.write(await usage());
        return 0;
      }
      throw new OcipkgError('E_USAGE', `unknown verb ${JSON.stringify(name)} (verbs: ${VERB_NAMES.join(', ')})`);
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
  stopOnClosedStdout();
  process.exitCode = await main(process.argv.slice(2));
}
