import { Readable } from 'node:stream';
import { tap } from './content/tap.js';
import { isRetryable } from './errors.js';
import { fetchBytes } from './content/fetch-bytes.js';
import type { ReadableStore, Store } from './content/store.js';
import { isRootMediaType } from './spec/mediatype.js';
import { parseRoot } from './spec/parse.js';
import { selectManifest } from './platform/select.js';
import type { Descriptor, Platform } from './spec/types.js';

export type CopyEvent =
  | { type: 'skip' | 'mount' | 'start' | 'done'; descriptor: Descriptor }
  /** Bytes moved; negative when a failed attempt's bytes are taken back before a retry. */
  | { type: 'bytes'; descriptor: Descriptor; bytes: number };

/** A blob's transfer failed transiently and starts again: `attempt` of `of`, after `error`. */
export interface CopyRetry {
  descriptor: Descriptor;
  attempt: number;
  of: number;
  error: Error;
}

export interface CopyOptions {
  /** Narrow an index to the one manifest for this platform; 'all' (the default) copies every manifest. */
  platform?: Platform | 'all';
  /** Blobs transferred at once. */
  concurrency?: number;
  /**
   * How often a blob is transferred again, from the start, after a failure the destination could
   * not retry itself (a streamed upload cut off or answered with 5xx/429: the stream cannot be
   * sent twice, but the source can be read again). Default 2; waits 0.5 s, then 1 s.
   */
  retries?: number;
  onProgress?: (event: CopyEvent) => void;
  onRetry?: (retry: CopyRetry) => void;
}

export interface CopyResult {
  root: Descriptor;
  copied: number;
  skipped: number;
  mounted: number;
  bytes: number;
}

/**
 * The one graph copy behind every verb: resolve the source reference, walk the graph (index →
 * manifests → config and layers), copy children before parents with bounded concurrency,
 * skip blobs the destination has, mount when the stores share a backend, and tag the root last
 * so nobody sees a tag whose content is incomplete.
 */
export async function copy(src: ReadableStore, srcRef: string | undefined, dst: Store, dstRef: string | undefined, opts: CopyOptions = {}): Promise<CopyResult> {
  let root = await src.resolve(srcRef);
  if (opts.platform && opts.platform !== 'all') root = await narrow(src, root, opts.platform);
  const result: CopyResult = { root, copied: 0, skipped: 0, mounted: 0, bytes: 0 };
  const limit = limiter(opts.concurrency ?? 4);
  const inflight = new Map<string, Promise<void>>();
  const emit = opts.onProgress ?? (() => {});
  /** The first failure: blobs not yet started are not started any more. */
  let failed: unknown;

  const copyBlob = (desc: Descriptor): Promise<void> => {
    let p = inflight.get(desc.digest);
    if (!p) {
      p = limit(async () => {
        if (failed) throw failed;
        if (await dst.exists(desc)) {
          result.skipped++;
          emit({ type: 'skip', descriptor: desc });
          return;
        }
        if (dst.mount && (await dst.mount(desc, src.originOf ? await src.originOf(desc) : src))) {
          result.mounted++;
          emit({ type: 'mount', descriptor: desc });
          return;
        }
        if (desc.urls?.length && !(await src.exists(desc))) {
          // Non-distributable layers live at their URLs, not in the store (skopeo does the same).
          result.skipped++;
          emit({ type: 'skip', descriptor: desc });
          return;
        }
        emit({ type: 'start', descriptor: desc });
        let moved = desc.size;
        if (dst.pushFrom) {
          moved = await dst.pushFrom(desc, src);
        } else {
          await pushRetrying(desc);
        }
        result.copied++;
        result.bytes += moved;
        emit({ type: 'done', descriptor: desc });
      });
      p.catch((err) => (failed ??= err));
      inflight.set(desc.digest, p);
    }
    return p;
  };

  /**
   * fetch + push, again from the start after a transient failure; done early when a retry finds
   * the blob arrived after all (only the answer to the last attempt was lost).
   */
  const pushRetrying = async (desc: Descriptor): Promise<void> => {
    const attempts = (opts.retries ?? 2) + 1;
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        if (attempt > 1 && (await dst.exists(desc))) return;
        let stream: Readable = await src.fetch(desc);
        if (opts.onProgress) {
          stream = tap(stream, (n) => {
            sent += n;
            emit({ type: 'bytes', descriptor: desc, bytes: n });
          });
        }
        await dst.push(desc, stream);
        return;
      } catch (err) {
        if (attempt >= attempts || !isRetryable(err) || failed) throw err;
        if (sent) emit({ type: 'bytes', descriptor: desc, bytes: -sent });
        opts.onRetry?.({ descriptor: desc, attempt: attempt + 1, of: attempts, error: err as Error });
        await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
      }
    }
  };

  /** Copy a manifest or index after everything it references; returns when it is in dst. */
  const copyNode = async (desc: Descriptor): Promise<void> => {
    const bytes = await fetchBytes(src, desc);
    const node = parseRoot(bytes, `${src.location}@${desc.digest}`, desc.mediaType);
    if (node.kind === 'index') {
      await settleAll(node.index.manifests.map((child) => (isRootMediaType(child.mediaType) ? copyNode(child) : copyBlob(child))));
    } else {
      await settleAll([node.manifest.config, ...node.manifest.layers].map(copyBlob));
    }
    if (await dst.exists(desc)) {
      result.skipped++;
      emit({ type: 'skip', descriptor: desc });
      return;
    }
    await dst.push(desc, Readable.from([bytes]));
    result.copied++;
    result.bytes += desc.size;
    emit({ type: 'done', descriptor: desc });
  };

  await copyNode(root);
  await dst.tag(root, dstRef);
  return result;
}

/** The one manifest of an index that fits `want`; a plain manifest is returned as it is. */
export async function narrow(store: ReadableStore, desc: Descriptor, want: Platform): Promise<Descriptor> {
  const bytes = await fetchBytes(store, desc);
  const node = parseRoot(bytes, `${store.location}@${desc.digest}`, desc.mediaType);
  if (node.kind === 'manifest') return desc;
  return selectManifest(node.index.manifests, want, store.location);
}

/**
 * Like Promise.all, but waits for every promise to settle before rejecting, so a failed copy
 * returns only when nothing is still writing into the destination (which the caller may then
 * discard).
 */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

