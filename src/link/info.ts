import { join } from 'node:path';
import { fetchBytes } from '../content/fetch-bytes.js';
import type { CacheStore } from '../content/cache/store.js';
import { parseRoot } from '../spec/parse.js';
import { ANNOTATION, LINK_ANNOTATION, type Descriptor, type Manifest } from '../spec/types.js';
import { OcipkgError } from '../errors.js';
import { scanPrefix, type LinkInfo } from './scan.js';
import { tagVersion } from '../install/versions.js';
import { mergeFlags } from './units.js';

/** Where the generated CMake package config of a dependency lives in the cache. */
export function cmakePrefix(cacheRoot: string, name: string, manifestDigest: string): string {
  return join(cacheRoot, 'cmake', `${name}-${manifestDigest.replace(/^[^:]+:/, '').slice(0, 16)}`);
}

export interface ArtifactMeta {
  annotations: Record<string, string>;
  version?: string;
}

/** A manifest as read from the cache: its annotations (link metadata, version) and its blobs. */
export async function readManifest(cache: CacheStore, manifest: Descriptor): Promise<Manifest> {
  const node = parseRoot(await fetchBytes(cache, manifest), `${cache.location}@${manifest.digest}`, manifest.mediaType);
  if (node.kind !== 'manifest') throw new OcipkgError('E_INVALID', `${cache.location}@${manifest.digest}: an index where a platform's manifest was expected`);
  return node.manifest;
}

/** Link metadata and version of an artifact: the version from a semver tag, else the version annotation. */
export function artifactMeta(manifest: Manifest, tag?: string): ArtifactMeta {
  const annotations = manifest.annotations ?? {};
  const version = (tag && tagVersion(tag)) ?? annotations[ANNOTATION.Version];
  return { annotations, ...(version ? { version } : {}) };
}

/** Scan the unpacked tree and add what the artifact recorded for consumers (--link-libs/--link-cflags). */
export async function linkInfo(prefix: string, os: string, meta: ArtifactMeta, libraries?: string[], where?: string): Promise<LinkInfo> {
  const info = await scanPrefix(prefix, os, libraries, where);
  const split = (s?: string) => (s ? s.split(/\s+/).filter(Boolean) : []);
  info.cflags = mergeFlags(info.cflags, split(meta.annotations[LINK_ANNOTATION.Cflags]));
  info.libs = mergeFlags(info.libs, split(meta.annotations[LINK_ANNOTATION.Libs]));
  return info;
}
