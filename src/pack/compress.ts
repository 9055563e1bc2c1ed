import { createRequire } from 'node:module';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Gzip } from 'fflate';
import { Decompress as ZstdDecompress } from 'fzstd';
import { OcipkgError } from '../errors.js';
import type { LayerCompression } from '../spec/mediatype.js';
import { optimisedWasm } from '../runtime/memory.js';

/*
 * Compression of layers we write must give the same bytes on every machine and Node version,
 * or the same input would get different digests. Node's zlib is Chromium's fork, whose match
 * finder depends on the CPU's SIMD features, and zstd only exists in node:zlib from Node 22.15;
 * so writing uses fflate (pure JS, gzip level 6, mtime 0) and zstd's reference encoder compiled
 * to wasm (@bokuweb/zstd-wasm), both deterministic everywhere. Reading uses the fastest decoder
 * available: native zlib for gzip, node:zlib's zstd where present, else fzstd.
 */

export const GZIP_LEVEL = 6;
export const ZSTD_LEVEL = 3;
/** zstd is written as independent frames of this much input each: bounded memory, streamable. */
const ZSTD_FRAME_INPUT = 4 * 1024 * 1024;

class GzipTransform extends Transform {
  private readonly gz: Gzip;
  private pending: Uint8Array[] = [];
  constructor() {
    super();
    this.gz = new Gzip({ level: GZIP_LEVEL, mtime: 0 }, (chunk) => this.pending.push(chunk));
  }
  private flushPending(): void {
    for (const c of this.pending) this.push(c);
    this.pending = [];
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.gz.push(chunk, false);
    this.flushPending();
    cb();
  }
  override _flush(cb: TransformCallback): void {
    this.gz.push(new Uint8Array(0), true);
    this.flushPending();
    cb();
  }
}

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level: number): Uint8Array;
}
let zstdWasm: Promise<ZstdWasm> | undefined;
function loadZstd(): Promise<ZstdWasm> {
  zstdWasm ??= (async () => {
    const mod = createRequire(import.meta.url)('@bokuweb/zstd-wasm') as ZstdWasm;
    await optimisedWasm(() => mod.init());
    return mod;
  })();
  return zstdWasm;
}

class ZstdTransform extends Transform {
  private buf: Buffer[] = [];
  private held = 0;
  private async frame(final: boolean): Promise<void> {
    const z = await loadZstd();
    // One concatenation, then frames cut from it: a big chunk is not copied again per frame.
    const all = this.buf.length === 1 ? this.buf[0]! : Buffer.concat(this.buf, this.held);
    let off = 0;
    while (all.length - off >= ZSTD_FRAME_INPUT || (final && off < all.length)) {
      const input = all.subarray(off, off + ZSTD_FRAME_INPUT);
      this.push(Buffer.from(z.compress(input, ZSTD_LEVEL)));
      off += input.length;
    }
    const rest = all.subarray(off);
    this.buf = rest.length ? [rest] : [];
    this.held = rest.length;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf.push(chunk);
    this.held += chunk.length;
    if (this.held < ZSTD_FRAME_INPUT) return cb();
    this.frame(false).then(() => cb(), cb);
  }
  override _flush(cb: TransformCallback): void {
    this.frame(true).then(() => cb(), cb);
  }
}

class FzstdTransform extends Transform {
  private readonly d = new ZstdDecompress((chunk) => this.push(chunk));
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.d.push(chunk, false);
      cb();
    } catch (err) {
      cb(new OcipkgError('E_INVALID', `zstd: ${(err as Error).message}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.d.push(new Uint8Array(0), true);
      cb();
    } catch (err) {
      cb(new OcipkgError('E_INVALID', `zstd: ${(err as Error).message}`));
    }
  }
}

/** A transform that compresses a tar stream as a layer of the given kind. */
export function compressor(kind: LayerCompression): Transform {
  switch (kind) {
    case 'gzip':
      return new GzipTransform();
    case 'zstd':
      return new ZstdTransform();
    case 'none':
      return new PassThrough();
  }
}

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: () => Transform };

/** A transform that decompresses a layer of the given kind back to its tar stream. */
export function decompressor(kind: LayerCompression): Transform {
  switch (kind) {
    case 'gzip':
      return zlib.createGunzip();
    case 'zstd': {
      const native = (zlib as ZlibWithZstd).createZstdDecompress;
      return native ? native() : new FzstdTransform();
    }
    case 'none':
      return new PassThrough();
  }
}

export function parseCompression(s: string | undefined, where = '--compression'): Exclude<LayerCompression, 'none'> {
  if (s === undefined || s === 'gzip') return 'gzip';
  if (s === 'zstd') return 'zstd';
  throw new OcipkgError('E_USAGE', `${where}: ${JSON.stringify(s)} is not gzip or zstd`);
}
