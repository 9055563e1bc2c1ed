import type { Readable } from 'node:stream';
import { OcipkgError } from '../errors.js';
import type { Descriptor } from '../spec/types.js';
import { verifyBuffer } from '../spec/digest.js';
import type { ReadableStore } from './store.js';

/** Manifests, indexes and configs are read whole; anything bigger than this is refused. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Read a whole stream into a Buffer, refusing more than `limit` bytes. */
export async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new OcipkgError('E_INVALID', `${what}: larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Fetch a small blob (manifest, index, config) whole and verified against its descriptor. */
export async function fetchBytes(store: ReadableStore, desc: Descriptor, limit = MAX_MANIFEST_BYTES): Promise<Buffer> {
  if (desc.size > limit) {
    throw new OcipkgError('E_INVALID', `${store.location}: ${desc.digest} is ${desc.size} bytes, more than the ${limit} allowed for ${desc.mediaType}`);
  }
  if (desc.data !== undefined) {
    const data = Buffer.from(desc.data, 'base64');
    verifyBuffer(data, desc, `${store.location} (embedded data)`);
    return data;
  }
  const buf = await readAll(await store.fetch(desc), limit, `${store.location}: ${desc.digest}`);
  verifyBuffer(buf, desc, store.location);
  return buf;
}
