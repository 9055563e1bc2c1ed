import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { OcipkgError, ioError } from '../errors.js';
import { MediaType, type LayerCompression } from '../spec/mediatype.js';
import type { Descriptor } from '../spec/types.js';
import { compressor } from './compress.js';
import { Meter } from './meter.js';
import { collectEntries, type PackEntry, type PackSource } from './walk.js';
import { FILE_STREAM } from '../content/io.js';

export interface LayerOptions {
  compression?: LayerCompression;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch for every entry; default SOURCE_DATE_EPOCH, else 0. */
  mtime?: number;
}

export interface WrittenLayer {
  /** The layer's descriptor (media type, digest and size of the compressed bytes). */
  descriptor: Descriptor;
  /** Digest of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
}

export function layerMediaType(c: LayerCompression): string {
  return c === 'gzip' ? MediaType.LayerGzip : c === 'zstd' ? MediaType.LayerZstd : MediaType.Layer;
}

/** SOURCE_DATE_EPOCH when set (and valid), else 0: no wall-clock time goes into a layer. */
export function sourceDateEpoch(env = process.env): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v)) throw new OcipkgError('E_USAGE', `SOURCE_DATE_EPOCH: ${JSON.stringify(v)} is not a number of seconds`);
  return Number(v);
}

async function writeEntries(pack: tar.Pack, entries: PackEntry[], opts: LayerOptions): Promise<void> {
  const common = { uid: opts.uid ?? 0, gid: opts.gid ?? 0, uname: '', gname: '', mtime: new Date((opts.mtime ?? sourceDateEpoch()) * 1000) };
  for (const e of entries) {
    if (e.type === 'directory') {
      await new Promise<void>((res, rej) => pack.entry({ ...common, name: `${e.name}/`, type: 'directory', mode: e.mode }, (err) => (err ? rej(err) : res())));
    } else if (e.type === 'symlink') {
      await new Promise<void>((res, rej) => pack.entry({ ...common, name: e.name, type: 'symlink', mode: e.mode, linkname: e.linkname! }, (err) => (err ? rej(err) : res())));
    } else {
      const sink = pack.entry({ ...common, name: e.name, type: 'file', mode: e.mode, size: e.size! });
      await pipeline(createReadStream(e.source!, FILE_STREAM), sink).catch((err: NodeJS.ErrnoException) => {
        throw err.code ? ioError(err, e.source!) : new OcipkgError('E_IO', `${e.source}: changed while being packed (${err.message})`);
      });
    }
  }
  pack.finalize();
}

/**
 * Write `sources` as one deterministic layer into `file`: sorted entries, fixed mtime and
 * owner, normalised modes, symlinks kept; hashed while written (both the tar and the compressed
 * bytes), so the caller gets the descriptor and diff_id without reading the file again.
 */
export async function writeLayer(sources: PackSource[], file: string, opts: LayerOptions = {}): Promise<WrittenLayer> {
  const compression = opts.compression ?? 'gzip';
  const entries = await collectEntries(sources);
  const pack = tar.pack();
  const tarMeter = new Meter();
  const outMeter = new Meter();
  try {
    await Promise.all([writeEntries(pack, entries, opts), pipeline(pack, tarMeter, compressor(compression), outMeter, createWriteStream(file, { flags: 'wx', ...FILE_STREAM }))]);
  } catch (err) {
    pack.destroy();
    await rm(file, { force: true });
    throw err instanceof OcipkgError ? err : ioError(err, file);
  }
  return {
    descriptor: { mediaType: layerMediaType(compression), digest: outMeter.digest(), size: outMeter.size },
    diffId: compression === 'none' ? outMeter.digest() : tarMeter.digest(),
  };
}
