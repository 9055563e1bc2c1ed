import { parseCompression } from '../pack/compress.js';
import type { PackOptions } from '../pack/pack.js';
import { int, str, type Options, type Values } from './verb.js';

/** The options every verb that writes a layer shares (pack, append). */
export const LAYER_OPTIONS: Options = {
  'root-dir': { type: 'string' },
  uid: { type: 'string' },
  gid: { type: 'string' },
  compression: { type: 'string' },
};

export const LAYER_HELP = `  --root-dir P        put the files under P inside the layer (e.g. /opt/x)
  --uid N, --gid N    owner recorded for every entry (default 0)
  --compression C     gzip (default) or zstd`;

export function layerOptions(values: Values): PackOptions {
  const o: PackOptions = { compression: parseCompression(str(values, 'compression')) };
  const rootDir = str(values, 'root-dir');
  const uid = int(values, 'uid');
  const gid = int(values, 'gid');
  if (rootDir !== undefined) o.rootDir = rootDir;
  if (uid !== undefined) o.uid = uid;
  if (gid !== undefined) o.gid = gid;
  return o;
}
