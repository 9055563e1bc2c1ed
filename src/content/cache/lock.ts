import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { OcipkgError, ioError } from '../../errors.js';

/** A lock whose holder died is taken over; one untouched this long is presumed dead too. */
const STALE_MS = 10 * 60 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string): Promise<boolean> {
  const [text, st] = await Promise.all([readFile(path, 'utf8').catch(() => ''), stat(path).catch(() => undefined)]);
  if (!st) return false; // gone already: just retry
  const [pid, host] = text.split('\n');
  if (host === hostname() && pid && /^\d+$/.test(pid) && !alive(Number(pid))) return true;
  return Date.now() - st.mtimeMs > STALE_MS;
}

/**
 * Run `fn` holding an exclusive lock file (created with O_EXCL, holding pid and host). Other
 * processes wait; a lock left by a process that died (killed mid-download) is taken over.
 * `ready()` is checked before waiting and after each wait, so a waiter whose work was done by
 * the holder returns at once without taking the lock.
 */
export async function withLock<T>(path: string, ready: () => Promise<T | undefined>, fn: () => Promise<T>, timeoutMs = 30 * 60 * 1000): Promise<T> {
  const started = Date.now();
  for (let wait = 20; ; wait = Math.min(wait * 1.5, 500)) {
    const done = await ready();
    if (done !== undefined) return done;
    let handle;
    try {
      handle = await open(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(err, path);
      if (await isStale(path)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) throw new OcipkgError('E_IO', `${path}: still locked by another ocipkg after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    try {
      await handle.writeFile(`${process.pid}\n${hostname()}\n`);
      await handle.close();
      // Someone may have finished between our check and taking the lock.
      const again = await ready();
      if (again !== undefined) return again;
      return await fn();
    } finally {
      await rm(path, { force: true });
    }
  }
}
