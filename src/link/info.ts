import { join } from 'node:path';
import { fetchBytes } from '../content/fetch-bytes.js';
import type { CacheStore } from '../content/cache/store.js';
import { parseRoot } from '../spec/parse.js';
import { ANNOTATION, LINK_ANNOTATION, type Descriptor } from '../spec/types.js';
import { scanPrefix, type LinkInfo } from './scan.js';
import { tagVersion } from '../install/versions.js';

/** Where the generated CMake package config of a dependency lives in the cache. */
export function cmakePrefix(cacheRoot: string, name: string, manifestDigest: string): string {
  return join(cacheRoot, 'cmake', `${name}-${manifestDigest.replace(/^[^:]+:/, '').slice(0, 16)}`);
}

export interface ArtifactMeta {
  annotations: Record<string, string>;
  version?: string;
}

/** The manifest's annotations (link metadata, version), read from the cache. */
export async function artifactMeta(cache: CacheStore, manifest: Descriptor, tag?: string): Promise<ArtifactMeta> {
  const bytes = await fetchBytes(cache, manifest);
  const node = parseRoot(bytes, `${cache.location}@${manifest.digest}`, manifest.mediaType);
  const annotations = node.kind === 'manifest' ? (node.manifest.annotations ?? {}) : {};
  const version = (tag && tagVersion(tag)) ?? annotations[ANNOTATION.Version];
  return { annotations, ...(version ? { version } : {}) };
}

/** Scan the unpacked tree and add what the artifact recorded for consumers (--link-libs/--link-cflags). */
export async function linkInfo(prefix: string, os: string, meta: ArtifactMeta, libraries?: string[], where?: string): Promise<LinkInfo> {
  const info = await scanPrefix(prefix, os, libraries, where);
  const split = (s?: string) => (s ? s.split(/\s+/).filter(Boolean) : []);
  for (const f of split(meta.annotations[LINK_ANNOTATION.Cflags])) if (!info.cflags.includes(f)) info.cflags.push(f);
  for (const f of split(meta.annotations[LINK_ANNOTATION.Libs])) if (!info.libs.includes(f)) info.libs.push(f);
  return info;
}
