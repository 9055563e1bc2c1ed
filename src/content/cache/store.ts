import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import envPaths from 'env-paths';
import { OcipkgError, ioError } from '../../errors.js';
import { isVerified, parseDigest } from '../../spec/digest.js';
import type { Descriptor } from '../../spec/types.js';
import { blobPath } from '../layout/reader.js';
import { OciLayoutStore } from '../layout/store.js';
import { writeFileAtomic } from '../atomic.js';
import type { ReadableStore } from '../store.js';
import { withLock } from './lock.js';
import { FILE_STREAM } from '../io.js';
import { streamed } from '../../runtime/memory.js';

/** The per-user cache directory: OCIPKG_CACHE_DIR, else env-paths (`~/.cache/ocipkg` on Linux). */
export function cacheDir(env = process.env): string {
  return env.OCIPKG_CACHE_DIR || envPaths('ocipkg', { suffix: '' }).cache;
}

/**
 * The per-user cache's blob store: an OCI image layout (so `ocipkg copy oci:<cache>@digest …`
 * works), content-addressed, written by several processes at once. Every blob is fetched by
 * one process under a lock file while the others wait for it; a download goes to
 * `<hex>.partial`, which a later run resumes with a Range request, and is renamed under its
 * digest only after the whole was verified. Tags are not kept here (lockfiles pin digests).
 */
export class CacheStore extends OciLayoutStore {
  /** Told of every chunk downloaded (for a progress display). */
  onBytes?: (n: number) => void;

  constructor(readonly root: string) {
    super(root, `cache:${root}`);
  }

  path(digest: string): string {
    return join(this.root, blobPath(digest));
  }

  /**
   * A blob's bytes: verified while read, unless the file is unchanged since it was last verified
   * (see trustBlob), as when install unpacks what it has just downloaded and checked.
   */
  override async fetch(desc: Descriptor): Promise<Readable> {
    if (await this.stamped(desc)) return createReadStream(this.path(desc.digest), FILE_STREAM);
    return super.fetch(desc);
  }

  /** A stat: the cache trusts a blob under its digest (it was verified before the rename). */
  override async exists(desc: Descriptor): Promise<boolean> {
    const st = await stat(this.path(desc.digest)).catch(() => undefined);
    return !!st && st.size === desc.size;
  }

  override async push(desc: Descriptor, content: Readable): Promise<void> {
    await this.init();
    const ready = async () => ((await this.exists(desc)) ? true : undefined);
    const got = await withLock(`${this.path(desc.digest)}.lock`, ready, async () => {
      await super.push(desc, content);
      return true;
    }).catch((err) => {
      content.destroy();
      throw err;
    });
    if (got) content.destroy();
  }

  async pushFrom(desc: Descriptor, src: ReadableStore): Promise<number> {
    await this.init();
    const path = this.path(desc.digest);
    await mkdir(dirname(path), { recursive: true }).catch((err) => {
      throw ioError(err, dirname(path));
    });
    const ready = async () => ((await this.exists(desc)) ? 0 : undefined);
    return withLock(`${path}.lock`, ready, () => this.download(desc, src, path));
  }

  /** Fetch into `<hex>.partial` (resuming what an earlier run left), verify the whole, rename. */
  private async download(desc: Descriptor, src: ReadableStore, path: string): Promise<number> {
    const partial = `${path}.partial`;
    let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
    if (have >= desc.size || !src.fetchFrom) have = 0;
    const hash = createHash(parseDigest(desc.digest).algorithm);
    if (have > 0) for await (const c of createReadStream(partial, { end: have - 1, ...FILE_STREAM })) hash.update(c as Buffer);
    const body = have > 0 ? await src.fetchFrom!(desc, have) : await src.fetch(desc);
    // A whole stream from a store's fetch verifies itself; a resumed tail is hashed here.
    const trusted = have === 0 && isVerified(body, desc);
    let size = have;
    const onBytes = this.onBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        size += chunk.length;
        onBytes?.(chunk.length);
        if (size > desc.size) return cb(new OcipkgError('E_DIGEST_MISMATCH', `digest mismatch for ${desc.digest} from ${src.location}: more than the ${desc.size} bytes the descriptor gives`));
        if (!trusted) {
          hash.update(chunk);
          streamed(chunk.length);
        }
        cb(null, chunk);
      },
    });
    await pipeline(body, meter, createWriteStream(partial, { flags: have > 0 ? 'r+' : 'w', start: have, ...FILE_STREAM })).catch(async (err) => {
      // A broken connection keeps the partial for the next run; wrong bytes do not.
      if (err instanceof OcipkgError && err.code === 'E_DIGEST_MISMATCH') await rm(partial, { force: true });
      throw err;
    });
    const actual = trusted ? desc.digest : `${parseDigest(desc.digest).algorithm}:${hash.digest('hex')}`;
    if (size !== desc.size || actual !== desc.digest) {
      await rm(partial, { force: true });
      throw new OcipkgError('E_DIGEST_MISMATCH', `digest mismatch for ${desc.digest} from ${src.location}: got ${actual} (${size} bytes)`);
    }
    await rename(partial, path).catch((err) => {
      throw ioError(err, path);
    });
    await this.stamp(desc.digest);
    return size - have;
  }

  /** Tags are not recorded in the cache. */
  override async tag(): Promise<void> {}

  private stampPath(digest: string): string {
    return join(this.root, 'stamps', digest.replace(':', '-'));
  }

  /** What a blob's file looked like when last verified: inode, size and mtime. */
  private async fileState(digest: string): Promise<string | undefined> {
    const st = await stat(this.path(digest)).catch(() => undefined);
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
  }

  private async stamp(digest: string): Promise<void> {
    const state = await this.fileState(digest);
    if (state) await writeFileAtomic(this.stampPath(digest), state).catch(() => undefined);
  }

  /**
   * Is the blob sound? Re-hashed unless its file is unchanged (inode, size, mtime) since it was
   * last verified, as git trusts its index: an install need not read every byte again, and a
   * blob changed in place is caught. `cache verify` always re-hashes.
   */
  async trustBlob(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    return (await this.stamped(desc)) || this.verifyBlob(desc);
  }

  /** Is the blob's file as it was when last verified (same inode, size and mtime, and `desc.size`)? */
  private async stamped(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    const [state, stamped] = await Promise.all([this.fileState(desc.digest), readFile(this.stampPath(desc.digest), 'utf8').catch(() => undefined)]);
    return !!state && stamped === state && state.split(':')[1] === String(desc.size);
  }

  /** Re-hash a blob; a corrupt one is removed. Resolves whether it was sound. */
  async verifyBlob(desc: { digest: string; size?: number }): Promise<boolean> {
    const path = this.path(desc.digest);
    const hash = createHash(parseDigest(desc.digest).algorithm);
    let size = 0;
    try {
      for await (const c of createReadStream(path, FILE_STREAM)) {
        hash.update(c as Buffer);
        streamed((c as Buffer).length);
        size += (c as Buffer).length;
      }
    } catch {
      return false;
    }
    const ok = `${parseDigest(desc.digest).algorithm}:${hash.digest('hex')}` === desc.digest && (desc.size === undefined || size === desc.size);
    if (ok) await this.stamp(desc.digest);
    else await Promise.all([rm(path, { force: true }), rm(this.stampPath(desc.digest), { force: true })]);
    return ok;
  }
}
