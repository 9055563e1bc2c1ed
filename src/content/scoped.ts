import { openDestination, openSource, type OpenOptions, type Opened } from './open.js';
import type { ReadableStore, Store } from './store.js';
import { parseReference } from '../spec/reference.js';

/** Open a source reference, run `fn`, always release the store. */
export async function withSource<T>(ref: string, opts: OpenOptions, fn: (o: Opened<ReadableStore>) => Promise<T>): Promise<T> {
  const opened = await openSource(parseReference(ref), opts);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}

/**
 * Open a destination, run `fn`; on success close (which commits stores such as oci-archive),
 * on failure discard, so a failed verb leaves the destination as it was.
 */
export async function withDestination<T>(ref: string, opts: OpenOptions, fn: (o: Opened<Store>) => Promise<T>): Promise<T> {
  const opened = await openDestination(parseReference(ref), opts);
  let result: T;
  try {
    result = await fn(opened);
  } catch (err) {
    await (opened.store.discard ? opened.store.discard() : opened.store.close()).catch(() => undefined);
    throw err;
  }
  await opened.store.close();
  return result;
}
