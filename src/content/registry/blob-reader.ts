import { Readable } from 'node:stream';
import { OcipkgError } from '../../errors.js';
import type { Descriptor } from '../../spec/types.js';
import type { RegistryTransport, Scope } from './types.js';

/**
 * A blob's bytes from a registry, resuming with `Range: bytes=N-` when the connection breaks
 * mid-body (S3/GCS redirects included, since the transport follows them). A server that
 * answers a range request with 200 is read again from the start, skipping what we have.
 * Verification happens above this, over the whole stream. `start` asks for the bytes from an
 * offset (a download resumed by a later run); the stream then holds only those.
 */
export async function blobStream(transport: RegistryTransport, url: string, desc: Descriptor, scopes: Scope[], attempts = 5, start = 0): Promise<Readable> {
  const get = (headers: Record<string, string>) => transport.request({ method: 'GET', url, headers, scopes, what: `blob ${desc.digest}`, expect: [200, 206] });
  // The first request is made now, so "not found" and "unauthorized" come from fetch itself.
  const first = await get(start > 0 ? { range: `bytes=${start}-` } : {});
  async function* chunks(): AsyncGenerator<Buffer> {
    let received = start;
    for (let attempt = 0; ; attempt++) {
      const res = attempt === 0 ? first : await get({ range: `bytes=${received}-` });
      let skip = 0;
      if (received > 0 && res.status === 200) skip = received; // no range support: start over, drop what we have
      try {
        for await (const chunk of res.body) {
          let c = chunk as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, c.length);
            skip -= n;
            c = c.subarray(n);
            if (c.length === 0) continue;
          }
          received += c.length;
          yield c;
        }
        if (received >= desc.size || attempt >= attempts) return;
        // the body ended early without an error: treat as a break and resume
      } catch (err) {
        res.body.destroy();
        if (attempt >= attempts || received >= desc.size) {
          throw new OcipkgError('E_NETWORK', `${transport.registry}: download of ${desc.digest} broke off after ${received} of ${desc.size} bytes (${(err as Error).message})`, { cause: err });
        }
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
