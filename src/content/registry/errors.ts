import type { Readable } from 'node:stream';
import { OcipkgError, type ErrorCode } from '../../errors.js';

/** Read at most `limit` bytes of an error body; the rest is discarded. */
export async function readSmall(body: Readable, limit = 64 * 1024): Promise<string> {
  let out = '';
  try {
    for await (const chunk of body) {
      if (out.length < limit) out += (chunk as Buffer).toString('utf8');
    }
  } catch {
    // an error body that breaks off is still an error
  }
  return out.slice(0, limit);
}

/** The OCI error body `{"errors":[{"code","message","detail"}]}` as `code: message` parts. */
export function ociErrors(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    return (parsed.errors ?? [])
      .map((e) => [e.code?.toLowerCase().replace(/_/g, ' '), e.message].filter(Boolean).join(': '))
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Turn a registry's unexpected answer into one clear line. */
export function httpError(status: number, bodyText: string, what: string, extra = ''): OcipkgError {
  const parts = ociErrors(bodyText);
  const detail = parts.length ? parts.join('; ') : `HTTP ${status}`;
  let code: ErrorCode = 'E_REGISTRY';
  if (status === 401 || status === 403) code = 'E_AUTH';
  else if (status === 404) code = 'E_NOT_FOUND';
  const prefix = status === 401 && !parts.length ? 'unauthorized: ' : status === 403 && !parts.length ? 'forbidden: ' : status === 404 && !parts.length ? 'not found: ' : '';
  return new OcipkgError(code, `${prefix}${detail} (${what})${extra}`);
}
