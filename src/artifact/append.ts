import { stat } from 'node:fs/promises';
import { copy, type CopyOptions } from '../copy.js';
import { fetchBytes } from '../content/fetch-bytes.js';
import { OverlayStore } from '../content/overlay.js';
import type { ReadableStore, Store } from '../content/store.js';
import { OcipkgError, ioError } from '../errors.js';
import { sourceDateEpoch, type WrittenLayer } from '../pack/layer.js';
import type { PackOptions } from '../pack/pack.js';
import { normalizePrefix } from '../pack/walk.js';
import { selectManifest } from '../platform/select.js';
import { MediaType, isRootMediaType } from '../spec/mediatype.js';
import { parseImageConfig, parseJson, parseRoot } from '../spec/parse.js';
import type { Descriptor, Platform } from '../spec/types.js';
import { Staging } from './staging.js';

export interface AppendOptions extends PackOptions {
  /** For an index base: only this platform (the result is then a single manifest). */
  platform?: Platform;
  onRetry?: CopyOptions['onRetry'];
  onProgress?: CopyOptions['onProgress'];
}

type Json = Record<string, unknown>;

/** The layer descriptor in the base manifest's dialect (Docker schema 2 has its own layer type). */
function layerFor(manifestType: string | undefined, layer: WrittenLayer, where: string): Descriptor {
  if (manifestType !== MediaType.DockerManifest) return layer.descriptor;
  if (layer.descriptor.mediaType !== MediaType.LayerGzip) throw new OcipkgError('E_UNSUPPORTED', `${where}: a Docker schema 2 image takes gzip layers only (drop --compression zstd)`);
  return { ...layer.descriptor, mediaType: MediaType.DockerLayerGzip };
}

/**
 * One manifest plus the new layer: the base manifest and config are read (never the layers),
 * the config gets the diff_id and a history entry for the layer. A base without a history gets
 * one entry per existing layer first (as BuildKit normalises such images), so history and layers
 * stay in step. Unknown fields of both documents are kept as they were.
 */
async function appendToManifest(base: ReadableStore, desc: Descriptor, layer: WrittenLayer, staging: Staging): Promise<Descriptor> {
  const where = `${base.location}@${desc.digest}`;
  const bytes = await fetchBytes(base, desc);
  const node = parseRoot(bytes, where, desc.mediaType);
  if (node.kind !== 'manifest') throw new OcipkgError('E_INVALID', `${where}: an index inside an index is not supported by append`);
  const raw = parseJson(bytes, where) as Json;
  const manifest = node.manifest;
  const configWhere = `${where} config`;
  const configRaw = parseJson(await fetchBytes(base, manifest.config), configWhere) as Json;
  const config = parseImageConfig(configRaw, configWhere);
  const newConfig: Json = { ...configRaw, rootfs: { ...config.rootfs, diff_ids: [...config.rootfs.diff_ids, layer.diffId] } };
  const created = process.env.SOURCE_DATE_EPOCH ? new Date(sourceDateEpoch() * 1000).toISOString() : undefined;
  const history = Array.isArray(configRaw.history) ? (configRaw.history as unknown[]) : config.rootfs.diff_ids.map(() => ({ created_by: 'ocipkg append: a base layer (the base recorded no history)' }));
  newConfig.history = [...history, { ...(created ? { created } : {}), created_by: 'ocipkg append', comment: layer.descriptor.digest }];
  const configDesc = await staging.json(newConfig, manifest.config.mediaType);
  const mediaType = manifest.mediaType ?? desc.mediaType;
  const newManifest: Json = { ...raw, config: configDesc, layers: [...manifest.layers, layerFor(mediaType, layer, where)] };
  const extra: Partial<Descriptor> = manifest.artifactType ? { artifactType: manifest.artifactType } : {};
  return staging.json(newManifest, mediaType, extra);
}

/**
 * `ocipkg append`: BASE + one layer made from `dir`, written to `dst` as `tag`. BASE's layers
 * are not downloaded: the copy to dst skips them when dst has them and mounts them when dst is
 * another repository of the same registry; only a destination elsewhere needs their bytes.
 */
export async function append(base: ReadableStore, baseRef: string | undefined, dst: Store, tag: string | undefined, dir: string, opts: AppendOptions = {}): Promise<Descriptor> {
  const st = await stat(dir).catch((err) => {
    throw ioError(err, dir);
  });
  if (!st.isDirectory()) throw new OcipkgError('E_USAGE', `append: ${dir} is not a directory`);
  const baseRoot = await base.resolve(baseRef);
  const staging = await Staging.create();
  try {
    const layer = await staging.layer([{ path: dir, name: normalizePrefix(opts.rootDir) }], { compression: opts.compression ?? 'gzip', uid: opts.uid ?? 0, gid: opts.gid ?? 0 });
    const where = `${base.location}@${baseRoot.digest}`;
    const node = parseRoot(await fetchBytes(base, baseRoot), where, baseRoot.mediaType);
    let root: Descriptor;
    if (node.kind === 'manifest') {
      root = await appendToManifest(base, baseRoot, layer, staging);
    } else if (opts.platform) {
      root = await appendToManifest(base, selectManifest(node.index.manifests, opts.platform, where), layer, staging);
    } else {
      const manifests: Descriptor[] = [];
      for (const d of node.index.manifests) {
        // Attestations and other non-runnable entries (platform unknown/unknown) stay as they are.
        const runnable = isRootMediaType(d.mediaType) && d.platform && d.platform.os !== 'unknown';
        manifests.push(runnable ? { ...d, ...(await appendToManifest(base, d, layer, staging)), ...(d.platform ? { platform: d.platform } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) } : d);
      }
      const raw = parseJson(await fetchBytes(base, baseRoot), where) as Json;
      root = await staging.json({ ...raw, manifests }, node.index.mediaType ?? baseRoot.mediaType);
    }
    await staging.store.tag(root);
    await copy(new OverlayStore(staging.store, base), root.digest, dst, tag, { ...(opts.onRetry ? { onRetry: opts.onRetry } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    return root;
  } finally {
    await staging.dispose();
  }
}
