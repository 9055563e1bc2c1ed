import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OcipkgError, ioError } from '../errors.js';
import { tempPath } from '../content/atomic.js';
import type { LayerCompression } from '../spec/mediatype.js';
import { writeLayer, type WrittenLayer } from './layer.js';
import { normalizePrefix } from './walk.js';

export interface PackOptions {
  /** Path prefix inside the layer (`/opt/x` → entries under `opt/x/`). */
  rootDir?: string;
  uid?: number;
  gid?: number;
  compression?: Exclude<LayerCompression, 'none'>;
}

/** `ocipkg pack`: DIR as one deterministic layer file at OUT, written atomically. */
export async function pack(dir: string, out: string, opts: PackOptions = {}): Promise<WrittenLayer> {
  const st = await stat(dir).catch((err) => {
    throw ioError(err, dir);
  });
  if (!st.isDirectory()) throw new OcipkgError('E_USAGE', `pack: ${dir} is not a directory`);
  await mkdir(dirname(resolve(out)), { recursive: true }).catch((err) => {
    throw ioError(err, dirname(out));
  });
  const tmp = tempPath(resolve(out));
  try {
    const layer = await writeLayer([{ path: dir, name: normalizePrefix(opts.rootDir) }], tmp, opts);
    await rename(tmp, out);
    return layer;
  } catch (err) {
    await rm(tmp, { force: true });
    throw ioError(err, out);
  }
}
