import { stat } from 'node:fs/promises';
import { OcipkgError } from '../../errors.js';
import { pruneCache, verifyCache } from '../../content/cache/maintain.js';
import { readRecords } from '../../content/cache/records.js';
import { cacheDir, CacheStore } from '../../content/cache/store.js';
import { treePath } from '../../content/cache/trees.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';

export const cacheVerb: Verb = {
  name: 'cache',
  summary: 'Show and maintain the per-user cache: dir, ls, verify, prune.',
  usage: 'dir | ls | verify | prune [--max-age DAYS]',
  details: `  dir       print the cache directory (OCIPKG_CACHE_DIR, else ~/.cache/ocipkg on Linux)
  ls        one line per installed artifact: manifest digest, size, last use, reference
  verify    re-hash every blob; corrupt ones (and trees made from them) are removed and
            reported, and the exit status says so (the next install fetches them again)
  prune     remove what no lockfile pins and nothing used in the last --max-age days (30)`,
  options: { 'max-age': { type: 'string' } },
  args: 1,
  argNames: 'dir|ls|verify|prune',
  async run({ positionals, values, stdout, stderr }) {
    const action = positionals[0]!;
    const cache = new CacheStore(cacheDir());
    switch (action) {
      case 'dir':
        stdout.write(`${cache.root}\n`);
        return;
      case 'ls': {
        for (const r of (await readRecords(cache.root)).sort((a, b) => a.reference.localeCompare(b.reference))) {
          const size = r.blobs.reduce((n, b) => n + b.size, 0);
          const unpacked = (await stat(treePath(cache.root, r.manifest)).catch(() => undefined)) ? '' : ' (not unpacked)';
          stdout.write(`${r.manifest}  ${String(size).padStart(10)}  ${r.lastUsed.slice(0, 10)}  ${r.reference}${unpacked}\n`);
        }
        return;
      }
      case 'verify': {
        const report = await verifyCache(cache);
        for (const d of report.corrupt) stderr.write(`corrupt: ${d} (removed)\n`);
        if (report.corrupt.length) throw new OcipkgError('E_DIGEST_MISMATCH', `cache verify: ${report.corrupt.length} of ${report.checked} blobs in ${cache.root} were corrupt and have been removed`);
        stderr.write(`${report.checked} blobs verified in ${cache.root}\n`);
        return;
      }
      case 'prune': {
        const days = str(values, 'max-age');
        if (days !== undefined && !/^\d+$/.test(days)) throw new OcipkgError('E_USAGE', `--max-age: ${JSON.stringify(days)} is not a number of days`);
        const report = await pruneCache(cache, days === undefined ? 30 : Number(days));
        stderr.write(`pruned ${report.removedTrees.length} artifacts and ${report.removedBlobs} blobs (${report.freedBytes} bytes) from ${cache.root}\n`);
        return;
      }
      default:
        throw new OcipkgError('E_USAGE', `cache: unknown action ${JSON.stringify(action)} (dir, ls, verify, prune)`);
    }
  },
};
