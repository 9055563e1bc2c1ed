import { OcipkgError } from '../errors.js';
import type { ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface VerbContext {
  positionals: string[];
  values: Values;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One CLI verb: a file under src/cli/verbs/ and a line in the table of main.ts. */
export interface Verb {
  name: string;
  summary: string;
  /** Usage line after `ocipkg NAME`, e.g. `SRC DST [--platform P|all]`. */
  usage: string;
  /** Extra help text: what the options mean. */
  details?: string;
  options: Options;
  /** Positional arguments: exact count, or [min, max]. */
  args: number | [number, number];
  /** Names of the positionals for usage errors. */
  argNames?: string;
  run(ctx: VerbContext): Promise<void>;
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function strs(values: Values, key: string): string[] {
  const v = values[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** A non-negative integer option (`--uid 1000`); E_USAGE naming the option otherwise. */
export function int(values: Values, key: string): number | undefined {
  const v = str(values, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0x7fffffff) throw new OcipkgError('E_USAGE', `--${key}: ${JSON.stringify(v)} is not a non-negative integer`);
  return Number(v);
}
