import type { Readable } from 'node:stream';
import { OcipkgError } from '../../errors.js';
import { isVerified, VerifyStream } from '../../spec/digest.js';
import type { Descriptor } from '../../spec/types.js';
import type { RegistryResponse, RegistryTransport, Scope } from './types.js';

export interface UploadOptions {
  /** Blobs up to this size go in one PUT; bigger ones in PATCH chunks. */
  monolithicMax?: number;
  /** Size of each PATCH chunk (each is held in memory once, so it can be re-sent on a retry). */
  chunkSize?: number;
}

function location(res: RegistryResponse, base: string, what: string): string {
  const loc = res.headers.location;
  if (!loc) throw new OcipkgError('E_REGISTRY', `${what}: the registry gave no upload location`);
  res.body.resume();
  return new URL(String(loc), base).href;
}

function withDigest(loc: string, digest: string): string {
  const u = new URL(loc);
  u.searchParams.set('digest', digest);
  return u.href;
}

/**
 * One streamed PUT for any size (as ORAS and skopeo send it: fastest, and nothing buffered),
 * unless OCIPKG_UPLOAD_CHUNK_SIZE (MiB) asks for PATCH chunks of that size, for registries or
 * proxies that limit a request's body (each chunk is then held in memory once).
 */
export function uploadLimits(opts: UploadOptions, env = process.env): { monolithicMax: number; chunkSize: number } {
  const mib = env.OCIPKG_UPLOAD_CHUNK_SIZE;
  if (mib !== undefined && mib !== '' && !/^[1-9]\d*$/.test(mib)) throw new OcipkgError('E_CONFIG', `OCIPKG_UPLOAD_CHUNK_SIZE: ${JSON.stringify(mib)} is not a whole number of MiB`);
  const fromEnv = mib ? Number(mib) * 1024 * 1024 : undefined;
  return { monolithicMax: opts.monolithicMax ?? fromEnv ?? Infinity, chunkSize: opts.chunkSize ?? fromEnv ?? 16 * 1024 * 1024 };
}

/**
 * Upload a blob: POST to open a session, then one PUT with the whole stream, or PATCH chunks
 * and a closing PUT. The bytes are verified against `desc` while they
 * are sent; the registry's own digest check is the second guard.
 */
export async function uploadBlob(t: RegistryTransport, repository: string, desc: Descriptor, content: Readable, opts: UploadOptions = {}): Promise<void> {
  const scopes: Scope[] = [{ repository, actions: ['pull', 'push'] }];
  const what = `upload of ${desc.digest} to ${t.registry}/${repository}`;
  // A stream from a store's fetch is verified already; anything else is hashed on the way.
  const trusted = isVerified(content, desc);
  const verify = trusted ? undefined : new VerifyStream(desc, 'the source');
  verify?.on('error', () => undefined); // read back through verify.errored below
  let ownError: unknown;
  content.on('error', (err) => {
    ownError ??= err;
    verify?.destroy(err);
  });
  const source = verify ? content.pipe(verify) : content;
  try {
    const start = await t.request({ method: 'POST', url: `/v2/${repository}/blobs/uploads/`, scopes, what, expect: [202], headers: { 'content-length': '0' } });
    let loc = location(start, t.baseUrl, what);
    const { monolithicMax, chunkSize } = uploadLimits(opts);
    if (desc.size <= monolithicMax) {
      await t.request({
        method: 'PUT',
        url: withDigest(loc, desc.digest),
        scopes,
        what,
        expect: [201, 204],
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
        body: () => source,
      }).then((r) => r.body.resume());
      return;
    }
    let offset = 0;
    for await (const chunk of chunksOf(source, chunkSize)) {
      const res = await t.request({
        method: 'PATCH',
        url: loc,
        scopes,
        what,
        expect: [202, 204],
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length), 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      loc = location(res, loc, what);
      offset += chunk.length;
    }
    await t.request({ method: 'PUT', url: withDigest(loc, desc.digest), scopes, what, expect: [201, 204], headers: { 'content-length': '0' } }).then((r) => r.body.resume());
  } catch (err) {
    // The verifying stream's own failure says more than the HTTP error it caused.
    const own = verify?.errored ?? ownError;
    source.destroy();
    content.destroy();
    throw own instanceof OcipkgError ? own : err;
  }
}

/** Re-cut a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of stream) {
    let chunk = c as Buffer;
    while (chunk.length > 0) {
      const take = Math.min(size - have, chunk.length);
      parts.push(chunk.subarray(0, take));
      have += take;
      chunk = chunk.subarray(take);
      if (have === size) {
        yield Buffer.concat(parts, have);
        parts = [];
        have = 0;
      }
    }
  }
  if (have > 0) yield Buffer.concat(parts, have);
}
