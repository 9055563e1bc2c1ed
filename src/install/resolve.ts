import { isAbsolute, resolve as resolvePath } from 'node:path';
import { narrow } from '../copy.js';
import { fetchBytes } from '../content/fetch-bytes.js';
import { selectManifest } from '../platform/select.js';
import { isRootMediaType } from '../spec/mediatype.js';
import { parseRoot } from '../spec/parse.js';
import { platformKey } from './platform-key.js';
import { openSource } from '../content/open.js';
import type { ReadableStore } from '../content/store.js';
import { OcipkgError } from '../errors.js';
import { formatReference, type Reference } from '../spec/reference.js';
import type { Descriptor, Platform } from '../spec/types.js';
import type { Dependency } from './config.js';
import type { LockEntry } from './lockfile.js';
import { expandTemplate, templateVars, versionFromTag } from './template.js';
import { pickVersion } from './versions.js';

/** `oci:`/`oci-archive:` paths in package.json are relative to the package, not the cwd. */
export function referenceFrom(ref: Reference, pkgDir: string): Reference {
  if (ref.kind === 'registry' || isAbsolute(ref.path)) return ref;
  return { ...ref, path: resolvePath(pkgDir, ref.path) };
}

export async function openDependency(dep: Dependency, pkgDir: string, plainHttp = false): Promise<ReadableStore> {
  return (await openSource(referenceFrom(dep.reference, pkgDir), { plainHttp })).store;
}

export interface Resolution {
  /** What the lockfile records as `tag` (for tagTemplate: the {version} value). */
  tag?: string;
  /** What the tag named (an index or a manifest); absent for per-platform tags. */
  digest?: string;
  manifest: Descriptor;
  /**
   * Every platform the pinned index offers (lockfile key → the manifest install would pick for
   * it), so a lockfile made on one machine already pins the builds for the others.
   */
  platforms?: Record<string, string>;
}

/**
 * The index (or manifest) `root` narrowed to `platform`, as copy's narrow() does, with the pins of
 * the index's other platforms (lockfile key → the manifest install would pick for it); one read.
 */
async function pin(src: ReadableStore, root: Descriptor, platform: Platform): Promise<Pick<Resolution, 'manifest' | 'platforms'>> {
  const where = `${src.location}@${root.digest}`;
  const node = parseRoot(await fetchBytes(src, root), where, root.mediaType);
  if (node.kind === 'manifest') return { manifest: root };
  const manifests = node.index.manifests;
  const platforms: Record<string, string> = {};
  for (const d of manifests) {
    if (!d.platform || d.platform.os === 'unknown' || !isRootMediaType(d.mediaType)) continue;
    platforms[platformKey(d.platform)] ??= selectManifest(manifests, d.platform, where).digest;
  }
  return { manifest: selectManifest(manifests, platform, where), ...(Object.keys(platforms).length ? { platforms } : {}) };
}

function repoName(dep: Dependency): string {
  const { tag: _t, digest: _d, ...rest } = dep.reference;
  return formatReference(rest as Reference);
}

/**
 * From package.json alone: an explicit digest or tag in `image` wins; else `version` picks the
 * highest matching tag; `tagTemplate` makes per-platform tags; else `latest` (or a layout's only
 * manifest). Then an index is narrowed to the platform.
 */
export async function resolveDependency(dep: Dependency, src: ReadableStore, platform: Platform): Promise<Resolution> {
  const ref = dep.reference;
  const where = repoName(dep);
  if (dep.tagTemplate) {
    const vars = templateVars(platform);
    let version = ref.tag;
    let tag: string;
    if (dep.version && !ref.tag) {
      const picked = pickVersion(await src.listTags(), dep.version, where, versionFromTag(dep.tagTemplate, vars));
      tag = picked.tag;
      version = picked.version;
    } else tag = expandTemplate(dep.tagTemplate, { ...vars, ...(version ? { version } : {}) });
    const root = await src.resolve(tag);
    return { ...(version ? { tag: version } : {}), manifest: await narrow(src, root, platform) };
  }
  let tag: string | undefined;
  let root: Descriptor;
  if (ref.digest) {
    root = await src.resolve(ref.digest);
    tag = ref.tag;
  } else {
    if (ref.tag) tag = ref.tag;
    else if (dep.version) tag = pickVersion(await src.listTags(), dep.version, where).tag;
    else if (ref.kind === 'registry') tag = 'latest';
    root = await src.resolve(tag);
  }
  return { ...(tag ? { tag } : {}), digest: root.digest, ...(await pin(src, root, platform)) };
}

/** A platform missing from a lock entry that is otherwise current: resolved from the pinned digest, no tag listing. */
export async function resolvePinned(dep: Dependency, entry: LockEntry, src: ReadableStore, platform: Platform): Promise<Resolution> {
  if (entry.digest) {
    const root = await src.resolve(entry.digest);
    return { ...(entry.tag ? { tag: entry.tag } : {}), digest: entry.digest, ...(await pin(src, root, platform)) };
  }
  if (dep.tagTemplate && entry.tag) {
    const root = await src.resolve(expandTemplate(dep.tagTemplate, { ...templateVars(platform), version: entry.tag }));
    return { tag: entry.tag, manifest: await narrow(src, root, platform) };
  }
  throw new OcipkgError('E_CONFIG', `ocipkg-lock.json: dependencies.${dep.name} pins no digest; delete the entry to resolve again`);
}
