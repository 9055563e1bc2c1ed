import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { narrow } from '../copy.js';
import { fetchBytes } from '../content/fetch-bytes.js';
import { tap } from '../content/tap.js';
import type { ReadableStore } from '../content/store.js';
import { OcipkgError, ioError } from '../errors.js';
import { Extractor } from '../pack/unpack.js';
import { hostPlatform } from '../platform/host.js';
import { MediaType, layerCompression, type LayerCompression } from '../spec/mediatype.js';
import { parseImageConfig, parseJson, parseRoot } from '../spec/parse.js';
import { ANNOTATION, type Descriptor, type Manifest, type Platform } from '../spec/types.js';

export type LayerPlan = { kind: 'tar'; compression: LayerCompression } | { kind: 'file'; name: string };

/**
 * How a layer becomes files. ocipkg artifacts, ocipkg-rs artifacts and container images carry
 * tar layers, applied in order. ORAS artifacts carry titled blobs, each a file of that name,
 * unless ORAS marked it as a packed directory (`io.deis.oras.content.unpack`).
 */
export function planLayer(manifest: Manifest, layer: Descriptor, where: string): LayerPlan {
  const compression = layerCompression(layer.mediaType);
  const title = layer.annotations?.[ANNOTATION.Title];
  if (layer.annotations?.[ANNOTATION.OrasUnpack] === 'true') return { kind: 'tar', compression: compression ?? 'gzip' };
  if (manifest.artifactType === MediaType.OcipkgArtifact && compression) return { kind: 'tar', compression };
  if (title) return { kind: 'file', name: title };
  if (compression) return { kind: 'tar', compression };
  throw new OcipkgError('E_UNSUPPORTED', `${where}: layer ${layer.digest} has media type ${layer.mediaType}, which is neither a tar layer nor a titled file`);
}

/** The config's diff_ids when it is an image config that lists one per layer. */
async function diffIds(store: ReadableStore, manifest: Manifest, where: string): Promise<string[] | undefined> {
  const mt = manifest.config.mediaType;
  if (mt !== MediaType.ImageConfig && mt !== MediaType.DockerConfig) return undefined;
  const config = parseImageConfig(parseJson(await fetchBytes(store, manifest.config), `${where} config`), `${where} config`);
  const ids = config.rootfs.diff_ids;
  return ids.length === manifest.layers.length ? ids : undefined;
}

/** Move everything below `from` into `to`: directories merged, anything else replaced (never followed). */
export async function mergeInto(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    const s = join(from, name);
    const t = join(to, name);
    const [sst, tst] = await Promise.all([lstat(s), lstat(t).catch(() => undefined)]);
    if (sst.isDirectory() && tst?.isDirectory()) {
      await mergeInto(s, t);
      continue;
    }
    if (tst) await rm(t, { recursive: true, force: true });
    await rename(s, t).catch((err) => {
      throw ioError(err, t);
    });
  }
}

/** Turn one manifest's layers into files below `root` (a directory the extractor creates). */
export async function extractManifest(store: ReadableStore, manifestDesc: Descriptor, root: string, onBytes?: (n: number) => void): Promise<Manifest> {
  const where = `${store.location}@${manifestDesc.digest}`;
  const node = parseRoot(await fetchBytes(store, manifestDesc), where, manifestDesc.mediaType);
  if (node.kind !== 'manifest') throw new OcipkgError('E_INVALID', `${where}: an index where a manifest was expected`);
  const manifest = node.manifest;
  const plans = manifest.layers.map((l) => planLayer(manifest, l, where));
  const ids = await diffIds(store, manifest, where);
  const extractor = new Extractor(root, { whiteouts: manifest.artifactType !== MediaType.OcipkgArtifact });
  await extractor.init();
  for (const [i, layer] of manifest.layers.entries()) {
    const plan = plans[i]!;
    const lw = `${store.location}@${layer.digest}`;
    const fetched = await store.fetch(layer);
    const body = onBytes ? tap(fetched, onBytes) : fetched;
    if (plan.kind === 'file') await extractor.file(plan.name, body, lw);
    else await extractor.apply(body, plan.compression, lw, ids?.[i]);
  }
  extractor.finish(where);
  return manifest;
}

export interface PullResult {
  root: Descriptor;
  manifest: Descriptor;
}

/**
 * `ocipkg pull`: the files of REF (for an index, the manifest for `platform`) into `dir`.
 * Everything is extracted into a hidden staging directory inside `dir` first and moved into
 * place only when every layer was verified and found safe; a refused artifact leaves `dir` as
 * it was.
 */
export async function pull(src: ReadableStore, ref: string | undefined, dir: string, opts: { platform?: Platform; onBytes?: (n: number) => void } = {}): Promise<PullResult> {
  const root = await src.resolve(ref);
  const manifest = await narrow(src, root, opts.platform ?? hostPlatform());
  // mkdir returns the first directory it had to create: that is what a failure takes back.
  const made = await mkdir(dir, { recursive: true }).catch((err) => {
    throw ioError(err, dir);
  });
  const stage = join(dir, `.ocipkg-pull-${randomBytes(4).toString('hex')}`);
  try {
    await extractManifest(src, manifest, stage, opts.onBytes);
    await mergeInto(stage, dir);
  } catch (err) {
    if (made) await rm(made, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return { root, manifest };
}
