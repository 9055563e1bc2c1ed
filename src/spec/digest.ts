import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { OcipkgError } from '../errors.js';
import { streamed } from '../runtime/memory.js';

/** Digest algorithms ocipkg computes and verifies, with their hex lengths. */
export const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type Algorithm = keyof typeof ALGORITHMS;

export interface ParsedDigest {
  algorithm: Algorithm;
  hex: string;
}

const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parse and validate `alg:hex`; throws E_INVALID naming `where` when it is not a usable digest. */
export function parseDigest(digest: string, where = 'digest'): ParsedDigest {
  const m = typeof digest === 'string' ? DIGEST_RE.exec(digest) : null;
  if (!m) throw new OcipkgError('E_INVALID', `${where}: ${JSON.stringify(digest)} is not a valid digest`);
  const algorithm = m[1] as Algorithm;
  const hex = m[2]!;
  const len = ALGORITHMS[algorithm];
  if (len === undefined) throw new OcipkgError('E_UNSUPPORTED', `${where}: unsupported digest algorithm ${JSON.stringify(m[1])}`);
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new OcipkgError('E_INVALID', `${where}: not a valid ${algorithm} digest`);
  }
  return { algorithm, hex };
}

export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

export function createDigester(algorithm: Algorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** The expected content of a stream: the fields of a descriptor that identify bytes. */
export interface Expected {
  digest: string;
  size: number;
}

/**
 * A pass-through that hashes and counts what flows through it and fails the stream — before
 * it ends cleanly — when the bytes do not match. Writing past the expected size fails at once,
 * so a hostile source cannot make us store more than the descriptor promised.
 */
export class VerifyStream extends Transform {
  private readonly hash: Hash;
  private seen = 0;
  readonly expected: Expected;
  private readonly source: string;

  constructor(expected: Expected, source = '') {
    super();
    this.expected = expected;
    this.source = source;
    this.hash = createHash(parseDigest(expected.digest).algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected.size) {
      cb(sizeMismatch(this.expected, `more than ${this.expected.size}`, this.source));
      return;
    }
    this.hash.update(chunk);
    streamed(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.expected.size) {
      cb(sizeMismatch(this.expected, String(this.seen), this.source));
      return;
    }
    const actual = `${parseDigest(this.expected.digest).algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) {
      cb(digestMismatch(this.expected.digest, actual, this.source));
      return;
    }
    cb();
  }

  get bytes(): number {
    return this.seen;
  }
}

export function digestMismatch(expected: string, actual: string, source = ''): OcipkgError {
  const from = source ? ` from ${source}` : '';
  return new OcipkgError('E_DIGEST_MISMATCH', `digest mismatch${from}: expected ${expected}, got ${actual}`);
}

function sizeMismatch(expected: Expected, got: string, source: string): OcipkgError {
  const from = source ? ` from ${source}` : '';
  return new OcipkgError(
    'E_DIGEST_MISMATCH',
    `size mismatch${from} for ${expected.digest}: expected ${expected.size} bytes, got ${got}`,
  );
}

/** Check a whole buffer against a descriptor. */
export function verifyBuffer(data: Uint8Array, expected: Expected, source = ''): void {
  if (data.length !== expected.size) throw sizeMismatch(expected, String(data.length), source);
  const { algorithm } = parseDigest(expected.digest);
  const actual = digestOf(data, algorithm);
  if (actual !== expected.digest) throw digestMismatch(expected.digest, actual, source);
}

/**
 * A verified view of `raw` that does nothing until read: the stream a store's fetch returns.
 * Unlike piping into a VerifyStream, it cannot fail before the consumer is attached, and a
 * mismatch surfaces as the stream's error at the point of reading the end.
 */
export function verifying(raw: Readable, expected: Expected, source = ''): Readable {
  const { algorithm } = parseDigest(expected.digest);
  async function* check(): AsyncGenerator<Buffer> {
    const hash = createHash(algorithm);
    let seen = 0;
    for await (const chunk of raw) {
      seen += (chunk as Buffer).length;
      if (seen > expected.size) throw sizeMismatch(expected, `more than ${expected.size}`, source);
      hash.update(chunk as Buffer);
      streamed((chunk as Buffer).length);
      yield chunk as Buffer;
    }
    if (seen !== expected.size) throw sizeMismatch(expected, String(seen), source);
    const actual = `${algorithm}:${hash.digest('hex')}`;
    if (actual !== expected.digest) throw digestMismatch(expected.digest, actual, source);
  }
  const out = Readable.from(check(), { objectMode: false });
  out.on('close', () => raw.destroy());
  VERIFIED.set(out, expected.digest);
  return out;
}

/** Streams made by verifying(), with the digest they check: a writer need not hash them again. */
const VERIFIED = new WeakMap<Readable, string>();

/**
 * Does `stream` already fail unless its bytes are `expected` (it came from verifying())? Then a
 * writer may skip its own hashing: the stream errors before it ends cleanly, so nothing is
 * committed from a mismatch. Halves the hashing of every copy between stores.
 */
export function isVerified(stream: Readable, expected: Expected): boolean {
  return VERIFIED.get(stream) === expected.digest;
}

/** `to` passes on every byte and every error of `from` unchanged: it verifies as `from` does. */
export function inheritVerified(from: Readable, to: Readable): Readable {
  const digest = VERIFIED.get(from);
  if (digest) VERIFIED.set(to, digest);
  return to;
}
