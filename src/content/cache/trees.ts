import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError } from '../../errors.js';
import type { Descriptor } from '../../spec/types.js';
import { withLock } from './lock.js';
import type { CacheStore } from './store.js';

/** Where the unpacked files of a manifest live in the cache: trees/sha256-<hex>. */
export function treePath(root: string, manifestDigest: string): string {
  return join(root, 'trees', manifestDigest.replace(':', '-'));
}

/** Walk a tree setting modes: read-only (keeping exec bits) or writable again (to delete it). */
export async function setTreeWritable(dir: string, writable: boolean): Promise<void> {
  const visit = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if (writable) await chmod(p, (st.mode & 0o777) | 0o700);
      for (const c of await readdir(p)) await visit(join(p, c));
      if (!writable) await chmod(p, (st.mode & 0o555) | 0o500);
    } else {
      await chmod(p, writable ? (st.mode & 0o777) | 0o200 : st.mode & 0o555);
    }
  };
  await visit(dir);
}

/** Remove a (possibly read-only) tree. */
export async function removeTree(dir: string): Promise<void> {
  await setTreeWritable(dir, true).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/**
 * The unpacked tree of `manifest` (whose blobs are in the cache), made once: extracted into a
 * temp directory beside its place, made read-only, renamed into place. Its presence means it is
 * complete; concurrent callers wait for the one that builds it.
 */
export async function ensureTree(cache: CacheStore, manifest: Descriptor): Promise<{ path: string; created: boolean }> {
  const path = treePath(cache.root, manifest.digest);
  await mkdir(join(cache.root, 'trees'), { recursive: true }).catch((err) => {
    throw ioError(err, join(cache.root, 'trees'));
  });
  const ready = async () => ((await stat(path).catch(() => undefined)) ? { path, created: false } : undefined);
  return withLock(`${path}.lock`, ready, async () => {
    const tmp = join(cache.root, 'trees', `.tmp-${randomBytes(6).toString('hex')}`);
    // Loaded here: the unpacking code is not needed when the tree exists (ocipkg-link's fast path).
    const { extractManifest } = await import('../../artifact/pull.js');
    try {
      await extractManifest(cache, manifest, tmp);
      await setTreeWritable(tmp, false);
      await rename(tmp, path);
    } catch (err) {
      await removeTree(tmp);
      throw err;
    }
    return { path, created: true };
  });
}
