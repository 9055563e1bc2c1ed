import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { copy, type CopyOptions } from '../copy.js';
import type { Store } from '../content/store.js';
import { ioError, OcipkgError } from '../errors.js';
import { sourceDateEpoch } from '../pack/layer.js';
import type { PackSource } from '../pack/walk.js';
import { MediaType, type LayerCompression } from '../spec/mediatype.js';
import { ANNOTATION, LINK_ANNOTATION, type Annotations, type Descriptor, type ImageConfig, type Platform } from '../spec/types.js';
import { Staging } from './staging.js';

export { LINK_ANNOTATION };

export interface BuildTarget {
  platform: Platform;
  paths: string[];
}

export interface BuildOptions {
  annotations?: Annotations;
  compression?: Exclude<LayerCompression, 'none'>;
  /** Extra linker arguments consumers need (`-lstdc++ -lpthread`). */
  linkLibs?: string[];
  /** Extra compiler arguments consumers need (`-DFOO`). */
  linkCflags?: string[];
  /** Write an image index even for one target (as `--platform os/arch=PATH` does). */
  index?: boolean;
  onRetry?: CopyOptions['onRetry'];
  onProgress?: CopyOptions['onProgress'];
}

/**
 * What a PATH becomes inside the artifact: a file keeps its name, a directory keeps its name with
 * its contents below it (`prefix/lib` → `lib/…`), and a directory given with a trailing slash
 * (`prefix/`) contributes its contents at the root, as rsync reads it.
 */
export async function pathSource(path: string): Promise<PackSource & { title: string }> {
  const st = await stat(path).catch((err) => {
    throw ioError(err, path);
  });
  const atRoot = st.isDirectory() && /[\\/]\.?$/.test(path);
  const name = atRoot ? '' : basename(resolve(path));
  return { path, name, title: atRoot ? '.' : name };
}

function createdAnnotation(): Annotations {
  const epoch = process.env.SOURCE_DATE_EPOCH ? sourceDateEpoch() : undefined;
  return epoch === undefined ? {} : { [ANNOTATION.Created]: new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z') };
}

/** One platform's manifest: one layer per PATH, an image config recording the platform. */
async function buildManifest(staging: Staging, target: BuildTarget, opts: BuildOptions, annotations: Annotations): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const path of target.paths) {
    const src = await pathSource(path);
    const layer = await staging.layer([src], { compression: opts.compression ?? 'gzip' });
    layers.push({ ...layer.descriptor, annotations: { [ANNOTATION.Title]: src.title } });
    diffIds.push(layer.diffId);
  }
  if (!layers.length) throw new OcipkgError('E_USAGE', 'build: nothing to pack (give at least one PATH)');
  const p = target.platform;
  const config: ImageConfig = {
    ...(annotations[ANNOTATION.Created] ? { created: annotations[ANNOTATION.Created] } : {}),
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    ...(p['os.features']?.length ? { 'os.features': p['os.features'] } : {}),
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const configDesc = await staging.json(config, MediaType.ImageConfig);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    artifactType: MediaType.OcipkgArtifact,
    config: configDesc,
    layers,
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
  return staging.json(manifest, MediaType.ImageManifest, { artifactType: MediaType.OcipkgArtifact });
}

/**
 * `ocipkg build`: files and directories into an artifact (one manifest, or an index with one
 * manifest per platform), assembled in a private staging layout and then copied to `dst` —
 * tagged `tag` last, blobs the destination has skipped. Returns the root descriptor.
 */
export async function build(targets: BuildTarget[], dst: Store, tag: string | undefined, opts: BuildOptions = {}): Promise<Descriptor> {
  const annotations: Annotations = { ...createdAnnotation(), ...opts.annotations };
  if (opts.linkLibs?.length) annotations[LINK_ANNOTATION.Libs] = opts.linkLibs.join(' ');
  if (opts.linkCflags?.length) annotations[LINK_ANNOTATION.Cflags] = opts.linkCflags.join(' ');
  const staging = await Staging.create();
  try {
    const manifests: Descriptor[] = [];
    for (const t of targets) manifests.push({ ...(await buildManifest(staging, t, opts, annotations)), platform: t.platform });
    let root: Descriptor;
    if (manifests.length === 1 && !opts.index) {
      const { platform: _p, ...plain } = manifests[0]!;
      root = plain;
    } else {
      const index = {
        schemaVersion: 2,
        mediaType: MediaType.ImageIndex,
        artifactType: MediaType.OcipkgArtifact,
        manifests,
        ...(Object.keys(annotations).length ? { annotations } : {}),
      };
      root = await staging.json(index, MediaType.ImageIndex, { artifactType: MediaType.OcipkgArtifact });
    }
    await staging.store.tag(root);
    await copy(staging.store, root.digest, dst, tag, { ...(opts.onRetry ? { onRetry: opts.onRetry } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    return root;
  } finally {
    await staging.dispose();
  }
}
