import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { descriptorFor, encodeJson } from '../../src/spec/build.js';
import { digestOf } from '../../src/spec/digest.js';
import { MediaType } from '../../src/spec/mediatype.js';
import type { Descriptor } from '../../src/spec/types.js';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string;
  linkname?: string;
  mode?: number;
}

/** A tar made entry by entry, exactly as given (hostile names included). */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(0), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}), ...(type === 'character-device' || type === 'block-device' ? { devmajor: 1, devminor: 3 } : {}) };
    await new Promise<void>((res, rej) => pack.entry(header, type === 'file' ? (e.content ?? '') : '', (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface LayerSpec {
  bytes: Buffer;
  mediaType: string;
  annotations?: Record<string, string>;
  /** The uncompressed tar, for the config's diff_ids (omit for non-tar blobs). */
  tar?: Buffer;
}

/** A gzip tar layer from entries. */
export async function tgzLayer(entries: TarEntry[], mediaType: string = MediaType.LayerGzip): Promise<LayerSpec> {
  const t = await makeTar(entries);
  return { bytes: gzipSync(t), mediaType, tar: t };
}

/**
 * Write a manifest with these layers into an OCI layout at `dir` tagged `tag`. The config is an
 * image config with diff_ids unless `config` gives other bytes and media type (ocipkg-rs, ORAS).
 */
export async function writeArtifact(
  dir: string,
  tag: string,
  layers: LayerSpec[],
  opts: { artifactType?: string; config?: { bytes: Buffer; mediaType: string }; diffIds?: string[] } = {},
): Promise<Descriptor> {
  const store = new OciLayoutStore(dir);
  await store.init();
  const descs: Descriptor[] = [];
  for (const l of layers) {
    const d = descriptorFor(l.bytes, l.mediaType, l.annotations ? { annotations: l.annotations } : {});
    await store.push(d, Readable.from([l.bytes]));
    descs.push(d);
  }
  const configBytes =
    opts.config?.bytes ??
    encodeJson({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => digestOf(l.tar ?? l.bytes)) } });
  const config = descriptorFor(configBytes, opts.config?.mediaType ?? MediaType.ImageConfig);
  await store.push(config, Readable.from([configBytes]));
  const manifest = encodeJson({ schemaVersion: 2, mediaType: MediaType.ImageManifest, ...(opts.artifactType ? { artifactType: opts.artifactType } : {}), config, layers: descs });
  const md = descriptorFor(manifest, MediaType.ImageManifest);
  await store.push(md, Readable.from([manifest]));
  await store.tag(md, tag);
  await store.close();
  return md;
}
