import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRecords, recordPath, type CacheRecord } from './records.js';
import type { CacheStore } from './store.js';
import { removeTree, treePath } from './trees.js';

export interface VerifyReport {
  checked: number;
  corrupt: string[];
}

async function blobDigests(cache: CacheStore): Promise<string[]> {
  const out: string[] = [];
  for (const alg of await readdir(join(cache.root, 'blobs')).catch(() => [] as string[])) {
    for (const hex of await readdir(join(cache.root, 'blobs', alg)).catch(() => [] as string[])) {
      if (/^[0-9a-f]+$/.test(hex)) out.push(`${alg}:${hex}`);
    }
  }
  return out.sort();
}

/**
 * Re-hash every blob; corrupt ones are removed, with the unpacked trees of manifests that used
 * them (the next install fetches and unpacks again).
 */
export async function verifyCache(cache: CacheStore): Promise<VerifyReport> {
  const digests = await blobDigests(cache);
  const corrupt: string[] = [];
  for (const d of digests) if (!(await cache.verifyBlob({ digest: d }))) corrupt.push(d);
  if (corrupt.length) {
    for (const r of await readRecords(cache.root)) {
      if (r.blobs.some((b) => corrupt.includes(b.digest))) await removeTree(treePath(cache.root, r.manifest));
    }
  }
  return { checked: digests.length, corrupt };
}

/** Does any lockfile that once used this entry still pin its manifest? */
async function pinned(r: CacheRecord): Promise<boolean> {
  for (const lf of r.lockfiles) {
    try {
      if ((await readFile(lf, 'utf8')).includes(r.manifest)) return true;
    } catch {
      /* the lockfile is gone */
    }
  }
  return false;
}

export interface PruneReport {
  removedTrees: string[];
  removedBlobs: number;
  freedBytes: number;
}

/**
 * Remove what no lockfile pins and nothing used within `maxAgeDays`: the unpacked trees, their
 * records and every blob no kept record needs. A blob no record names at all is kept while it is
 * younger than a day (or than `maxAgeDays`, if shorter): an install running now may have fetched
 * it and not recorded it yet, as git keeps fresh unreachable objects. Leftovers of killed
 * processes (partial downloads, temp trees) older than a day go too.
 */
export async function pruneCache(cache: CacheStore, maxAgeDays = 30, now = Date.now()): Promise<PruneReport> {
  const report: PruneReport = { removedTrees: [], removedBlobs: 0, freedBytes: 0 };
  const keep = new Set<string>();
  const named = new Set<string>();
  const grace = Math.min(86400_000, maxAgeDays * 86400_000);
  for (const r of await readRecords(cache.root)) {
    for (const b of r.blobs) named.add(b.digest);
    const recent = now - Date.parse(r.lastUsed) < maxAgeDays * 86400_000;
    if (recent || (await pinned(r))) {
      for (const b of r.blobs) keep.add(b.digest);
      continue;
    }
    await removeTree(treePath(cache.root, r.manifest));
    await rm(recordPath(cache.root, r.manifest), { force: true });
    report.removedTrees.push(r.manifest);
  }
  for (const alg of await readdir(join(cache.root, 'blobs')).catch(() => [] as string[])) {
    for (const name of await readdir(join(cache.root, 'blobs', alg)).catch(() => [] as string[])) {
      const path = join(cache.root, 'blobs', alg, name);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      const isBlob = /^[0-9a-f]+$/.test(name);
      const old = now - st.mtimeMs > 86400_000;
      const digest = `${alg}:${name}`;
      const unrecordedAndFresh = !named.has(digest) && now - st.mtimeMs < grace;
      if ((isBlob && !keep.has(digest) && !unrecordedAndFresh) || (!isBlob && old)) {
        await rm(path, { force: true });
        if (isBlob) await rm(join(cache.root, 'stamps', `${alg}-${name}`), { force: true });
        report.removedBlobs += isBlob ? 1 : 0;
        report.freedBytes += st.size;
      }
    }
  }
  for (const name of await readdir(join(cache.root, 'trees')).catch(() => [] as string[])) {
    const path = join(cache.root, 'trees', name);
    if (name.startsWith('.tmp-') && now - ((await stat(path).catch(() => undefined))?.mtimeMs ?? now) > 86400_000) await removeTree(path);
  }
  return report;
}
