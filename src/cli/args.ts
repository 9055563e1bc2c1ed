import { parseArgs } from 'node:util';
import { OcipkgError } from '../errors.js';
import type { Verb, Values } from './verb.js';

/** Parse a verb's arguments strictly; every mistake is an E_USAGE line naming the verb. */
export function parseVerbArgs(verb: Verb, argv: string[]): { positionals: string[]; values: Values } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: verb.options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!.replace(/^Unknown option '([^']*)'.*$/, 'unknown option $1')
      .replace(/^Option '(--[^ ']*)[^']*' argument is ambiguous.*$/, "$1: a value that starts with - must be written $1=VALUE");
    throw new OcipkgError('E_USAGE', `${verb.name}: ${msg} (see ocipkg ${verb.name} --help)`);
  }
  const { positionals, values } = parsed;
  const [min, max] = typeof verb.args === 'number' ? [verb.args, verb.args] : verb.args;
  if (positionals.length < min || positionals.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    const names = verb.argNames ? ` (${verb.argNames})` : '';
    throw new OcipkgError('E_USAGE', `${verb.name}: expected ${want} argument${want === '1' ? '' : 's'}${names}, got ${positionals.length}`);
  }
  return { positionals, values: values as Values };
}

export function helpText(verb: Verb): string {
  const lines = [`usage: ocipkg ${verb.name} ${verb.usage}`, '', verb.summary];
  if (verb.details) lines.push('', verb.details.trimEnd());
  return `${lines.join('\n')}\n`;
}
