import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { parseDigest, type Algorithm } from '../spec/digest.js';
import { streamed } from '../runtime/memory.js';

/** A pass-through that counts and hashes (sha256 unless told otherwise; none for `[]`) what flows through. */
export class Meter extends Transform {
  private readonly hashes = new Map<Algorithm, Hash>();
  private readonly results = new Map<Algorithm, string>();
  size = 0;

  constructor(algorithms: Algorithm[] = ['sha256']) {
    super();
    for (const a of algorithms) if (!this.hashes.has(a)) this.hashes.set(a, createHash(a));
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    for (const h of this.hashes.values()) h.update(chunk);
    this.size += chunk.length;
    streamed(chunk.length);
    cb(null, chunk);
  }

  /** The digest, in the algorithm of `like` (a digest) when given, else sha256. */
  digest(like?: string): string {
    const alg = like ? parseDigest(like).algorithm : 'sha256';
    let r = this.results.get(alg);
    if (!r) {
      const h = this.hashes.get(alg);
      if (!h) throw new Error(`meter: ${alg} was not computed`);
      r = `${alg}:${h.digest('hex')}`;
      this.results.set(alg, r);
    }
    return r;
  }
}
