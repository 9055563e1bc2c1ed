import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Store } from '../../src/content/store.js';
import { buildIndex, buildManifest, descriptorFor, encodeJson } from '../../src/spec/build.js';
import { digestOf } from '../../src/spec/digest.js';
import { MediaType } from '../../src/spec/mediatype.js';
import type { Descriptor, ImageConfig, Platform } from '../../src/spec/types.js';

/** A small tar with one random file, as bytes. */
export async function randomTar(size = 1024, name = 'file.bin'): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, randomBytes(size));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface RandomArtifact {
  root: Descriptor;
  manifests: Descriptor[];
  /** Every blob written (config, layers, manifests, index), by digest. */
  blobs: Map<string, Buffer>;
  /** The descriptor of every blob, by digest (manifests with their media type). */
  descriptors: Map<string, Descriptor>;
}

export async function pushBytes(store: Store, desc: Descriptor, bytes: Buffer): Promise<void> {
  await store.push(desc, Readable.from([bytes]));
}

/**
 * Write a random image (real tar+gzip layers, an image config with matching diff_ids) into any
 * store — one manifest, or an index of one manifest per platform — and tag it.
 */
export async function randomArtifact(
  store: Store,
  opts: { layers?: number; layerSize?: number; platforms?: Platform[]; tag?: string } = {},
): Promise<RandomArtifact> {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  const platforms = opts.platforms ?? [{ os: 'linux', architecture: 'amd64' }];
  for (const platform of platforms) {
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    for (let i = 0; i < (opts.layers ?? 2); i++) {
      const tarBytes = await randomTar(opts.layerSize ?? 1024, `layer${i}.bin`);
      const gz = gzipSync(tarBytes);
      const d = descriptorFor(gz, MediaType.LayerGzip);
      layers.push(d);
      diffIds.push(digestOf(tarBytes));
      blobs.set(d.digest, gz);
    }
    const config: ImageConfig = { architecture: platform.architecture, os: platform.os, rootfs: { type: 'layers', diff_ids: diffIds } };
    if (platform.variant) config.variant = platform.variant;
    const configBytes = encodeJson(config);
    const configDesc = descriptorFor(configBytes, MediaType.ImageConfig);
    blobs.set(configDesc.digest, configBytes);
    const m = buildManifest({ config: configDesc, layers });
    blobs.set(m.descriptor.digest, m.bytes);
    manifests.push({ ...m.descriptor, platform });
  }
  let root: Descriptor;
  if (opts.platforms) {
    const idx = buildIndex({ manifests });
    blobs.set(idx.descriptor.digest, idx.bytes);
    root = idx.descriptor;
  } else {
    const { platform: _p, ...plain } = manifests[0]!;
    root = plain;
  }
  const descriptors = new Map<string, Descriptor>();
  for (const [digest, bytes] of blobs) {
    const mediaType = digest === root.digest ? root.mediaType : manifests.find((m) => m.digest === digest)?.mediaType ?? 'application/octet-stream';
    const desc = { mediaType, digest, size: bytes.length };
    descriptors.set(digest, desc);
    await pushBytes(store, desc, bytes);
  }
  await store.tag(root, opts.tag);
  return { root, manifests, blobs, descriptors };
}
