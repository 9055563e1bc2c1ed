import type { Readable } from 'node:stream';
import type { Descriptor } from '../spec/types.js';

/**
 * The one abstraction every place that holds OCI content implements: an image layout
 * directory, an oci-archive, a registry repository and the per-user cache. Every verb is a
 * copy between two of these (src/copy.ts).
 *
 * Contract for implementations:
 * - `fetch` returns the blob's bytes as a stream that fails (E_DIGEST_MISMATCH) before ending
 *   cleanly if they do not match `desc` — callers may trust a stream that ended without error.
 * - `push` consumes the stream, verifies it against `desc` while writing, and makes the blob
 *   visible only once verified (temp file + rename, or the registry's own check). A failed push
 *   leaves nothing behind. Pushing a blob that exists is allowed and cheap.
 * - `resolve(reference)` takes a tag, a digest, or undefined (the store's default: `latest` for a
 *   registry, the only manifest for a layout) and returns the descriptor of a manifest or index.
 * - `tag` makes `reference` name `desc`; `desc` and everything it references must already be in
 *   the store. Tagging is the last step of a copy so no reader sees a tag whose content is missing.
 */
export interface ReadableStore {
  /** Where this store is, for messages: `oci:/tmp/x`, `127.0.0.1:5000/lib`. */
  readonly location: string;
  fetch(desc: Descriptor): Promise<Readable>;
  exists(desc: Descriptor): Promise<boolean>;
  resolve(reference?: string): Promise<Descriptor>;
  /** Tags the store knows, unsorted. */
  listTags(): Promise<string[]>;
  /**
   * The blob's bytes from `offset` on, NOT verified: for a caller that already holds the first
   * `offset` bytes and verifies the whole (resuming an interrupted download). Optional.
   */
  fetchFrom?(desc: Descriptor, offset: number): Promise<Readable>;
  /** Manifests whose `subject` is `digest` (referrers), where the store can list them. */
  referrers?(digest: string, artifactType?: string): Promise<Descriptor[]>;
  /** For stores layered over others: the store that really holds `desc` (used to mount). */
  originOf?(desc: Descriptor): Promise<ReadableStore>;
  /** Release file handles, connections, temp files. For a writer this also commits (see Store). */
  close(): Promise<void>;
}

export interface Store extends ReadableStore {
  push(desc: Descriptor, content: Readable): Promise<void>;
  /** Name `desc` by `reference` (a tag). Undefined records `desc` as an untagged root where the store has such a notion. */
  tag(desc: Descriptor, reference?: string): Promise<void>;
  /**
   * Fetch and store a blob itself, from `src` (so it can resume a partial download or make
   * concurrent processes share one download). Used by copy() instead of fetch + push when present.
   * Resolves to the number of bytes it fetched (0 when another process had stored the blob).
   */
  pushFrom?(desc: Descriptor, src: ReadableStore): Promise<number>;
  /**
   * Copy a blob from another store without moving its bytes through us, when the two share a
   * backend (cross-repository mount on one registry). Resolves false when not possible.
   */
  mount?(desc: Descriptor, from: ReadableStore): Promise<boolean>;
  /**
   * Abandon a writer: for stores that commit on close (oci-archive), drop everything written.
   * Stores that write through just release resources.
   */
  discard?(): Promise<void>;
}

export function isWritable(store: ReadableStore): store is Store {
  return typeof (store as Store).push === 'function';
}
