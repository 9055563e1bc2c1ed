import type { CopyRetry } from '../copy.js';
import { OcipkgError, ERROR_CODES } from '../errors.js';

/** Scrub anything that looks like a credential from text we print. */
export function redact(text: string): string {
  return text
    .replace(/(authorization:\s*)(basic|bearer)\s+[^\s"']+/gi, '$1$2 ***')
    .replace(/((?:password|secret|token|access_token|refresh_token|identitytoken)["']?\s*[:=]\s*["']?)[^"'\s,&}]+/gi, '$1***')
    .replace(/\/\/([^/:@\s]+):([^/@\s]+)@/g, '//$1:***@');
}

/** A copy's retry as the CLI prints it: one line on stderr, then the transfer goes on. */
export function retryLine(stderr: { write(s: string): unknown }): (retry: CopyRetry) => void {
  return (r) => stderr.write(`ocipkg: ${redact(r.error.message)}; trying again (${r.attempt} of ${r.of})\n`);
}

/**
 * Print an error as the CLI does: one line `ocipkg: message` on stderr; with OCIPKG_DEBUG=1
 * the stack and the cause chain too. Returns the exit status.
 */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const debug = process.env.OCIPKG_DEBUG === '1';
  const e = err instanceof OcipkgError ? err : new OcipkgError('E_INTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  stderr.write(`ocipkg: ${redact(e.message)}\n`);
  if (debug) {
    let cur: unknown = e;
    while (cur instanceof Error) {
      stderr.write(`${redact(cur.stack ?? String(cur))}\n`);
      cur = cur.cause;
      if (cur) stderr.write('caused by: ');
    }
  }
  return ERROR_CODES[e.code];
}
