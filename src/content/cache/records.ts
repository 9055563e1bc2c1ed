import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';

/**
 * What the cache knows about an installed manifest, for `cache ls` and `cache prune`: where it
 * came from, the blobs it needs, when it was last used and which lockfiles pinned it.
 */
export interface CacheRecord {
  reference: string;
  root?: string;
  manifest: string;
  blobs: { digest: string; size: number }[];
  lastUsed: string;
  lockfiles: string[];
}

/** Where the record of an installed manifest is kept. */
export function recordPath(root: string, manifest: string): string {
  return join(root, 'records', `${manifest.replace(':', '-')}.json`);
}

export async function readRecord(root: string, manifest: string): Promise<CacheRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(root, manifest), 'utf8')) as CacheRecord;
  } catch {
    return undefined;
  }
}

export async function readRecords(root: string): Promise<CacheRecord[]> {
  const names = await readdir(join(root, 'records')).catch(() => [] as string[]);
  const out: CacheRecord[] = [];
  for (const n of names.filter((n) => n.endsWith('.json'))) {
    const r = await readRecord(root, n.slice(0, -5).replace('-', ':'));
    if (r) out.push(r);
  }
  return out;
}

/** Record a use (merging the lockfile list with what is there). */
export async function touchRecord(root: string, rec: Omit<CacheRecord, 'lastUsed' | 'lockfiles'> & { lockfile?: string }, now = new Date()): Promise<void> {
  const old = await readRecord(root, rec.manifest);
  const lockfiles = [...new Set([...(old?.lockfiles ?? []), ...(rec.lockfile ? [rec.lockfile] : [])])];
  const { lockfile: _l, ...rest } = rec;
  await writeFileAtomic(recordPath(root, rec.manifest), JSON.stringify({ ...rest, lastUsed: now.toISOString(), lockfiles }, null, 2));
}
