import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../content/atomic.js';
import { OcipkgError, ioError } from '../errors.js';
import { isDigest } from '../spec/digest.js';
import type { Dependency } from './config.js';

export const LOCKFILE = 'ocipkg-lock.json';

/**
 * One pinned dependency. `image`, `version` and `tagTemplate` repeat package.json so a changed
 * declaration is noticed; `tag` and `digest` are what the version resolved to and what that tag
 * named; `platforms` maps each platform installed to the digest of its manifest.
 */
export interface LockEntry {
  image: string;
  version?: string;
  tagTemplate?: string;
  tag?: string;
  digest?: string;
  platforms: Record<string, string>;
}

export interface Lockfile {
  lockfileVersion: 1;
  dependencies: Record<string, LockEntry>;
}

/** Does a lock entry still describe what package.json declares (else it is resolved again)? */
export function isCurrent(entry: LockEntry | undefined, dep: Pick<Dependency, 'image' | 'version' | 'tagTemplate'>): boolean {
  return !!entry && entry.image === dep.image && entry.version === dep.version && entry.tagTemplate === dep.tagTemplate;
}

export function emptyLockfile(): Lockfile {
  return { lockfileVersion: 1, dependencies: {} };
}

export async function readLockfile(dir: string): Promise<Lockfile | undefined> {
  const file = join(dir, LOCKFILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(err, file);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OcipkgError('E_CONFIG', `${LOCKFILE}: not valid JSON (${(err as Error).message}); delete it to resolve again`);
  }
  const d = doc as Partial<Lockfile>;
  if (d.lockfileVersion !== 1 || typeof d.dependencies !== 'object' || d.dependencies === null) {
    throw new OcipkgError('E_CONFIG', `${LOCKFILE}: not an ocipkg lockfile (lockfileVersion 1); delete it to resolve again`);
  }
  for (const [name, e] of Object.entries(d.dependencies)) {
    const where = `${LOCKFILE}: dependencies.${name}`;
    if (typeof e?.image !== 'string' || typeof e.platforms !== 'object' || e.platforms === null) throw new OcipkgError('E_CONFIG', `${where}: needs "image" and "platforms"`);
    for (const [p, dg] of Object.entries(e.platforms)) if (typeof dg !== 'string' || !isDigest(dg)) throw new OcipkgError('E_CONFIG', `${where}.platforms["${p}"]: not a digest`);
    if (e.digest !== undefined && !isDigest(e.digest)) throw new OcipkgError('E_CONFIG', `${where}.digest: not a digest`);
  }
  return d as Lockfile;
}

/** Keys in a stable order, two-space indent, trailing newline: diffs stay small in review. */
export function encodeLockfile(lock: Lockfile): string {
  const deps: Record<string, LockEntry> = {};
  for (const name of Object.keys(lock.dependencies).sort()) {
    const e = lock.dependencies[name]!;
    const platforms: Record<string, string> = {};
    for (const p of Object.keys(e.platforms).sort()) platforms[p] = e.platforms[p]!;
    deps[name] = {
      image: e.image,
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.tagTemplate !== undefined ? { tagTemplate: e.tagTemplate } : {}),
      ...(e.tag !== undefined ? { tag: e.tag } : {}),
      ...(e.digest !== undefined ? { digest: e.digest } : {}),
      platforms,
    };
  }
  return `${JSON.stringify({ lockfileVersion: 1, dependencies: deps }, null, 2)}\n`;
}

export async function writeLockfile(dir: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(join(dir, LOCKFILE), encodeLockfile(lock));
}
