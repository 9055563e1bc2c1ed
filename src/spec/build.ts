import { digestOf } from './digest.js';
import { EMPTY_JSON, MediaType } from './mediatype.js';
import type { Annotations, Descriptor, Index, Manifest } from './types.js';

/** The bytes ocipkg writes for a JSON document: compact, keys in the order built. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function descriptorFor(bytes: Uint8Array, mediaType: string, extra?: Partial<Descriptor>): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra };
}

export interface Built<T> {
  doc: T;
  bytes: Buffer;
  descriptor: Descriptor;
}

export function buildManifest(opts: {
  config: Descriptor;
  layers: Descriptor[];
  artifactType?: string;
  subject?: Descriptor;
  annotations?: Annotations;
}): Built<Manifest> {
  const doc: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    config: opts.config,
    layers: opts.layers,
    ...(opts.subject ? { subject: opts.subject } : {}),
    ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: opts.annotations } : {}),
  };
  const bytes = encodeJson(doc);
  return { doc, bytes, descriptor: descriptorFor(bytes, MediaType.ImageManifest, opts.artifactType ? { artifactType: opts.artifactType } : {}) };
}

export function buildIndex(opts: { manifests: Descriptor[]; artifactType?: string; annotations?: Annotations }): Built<Index> {
  const doc: Index = {
    schemaVersion: 2,
    mediaType: MediaType.ImageIndex,
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    manifests: opts.manifests,
    ...(opts.annotations && Object.keys(opts.annotations).length ? { annotations: opts.annotations } : {}),
  };
  const bytes = encodeJson(doc);
  return { doc, bytes, descriptor: descriptorFor(bytes, MediaType.ImageIndex) };
}

/** The empty JSON blob `{}` used as config of artifacts that need none. */
export function emptyConfig(): { descriptor: Descriptor; bytes: Buffer } {
  return { descriptor: { mediaType: EMPTY_JSON.mediaType, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size }, bytes: Buffer.from('{}') };
}
