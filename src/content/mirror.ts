import type { Readable } from 'node:stream';
import { OcipkgError } from '../errors.js';
import type { Descriptor } from '../spec/types.js';
import type { ReadableStore } from './store.js';

/** Where `OCIPKG_MIRRORS` sends a registry: another registry (with an optional path prefix) or an `oci:` directory. */
export type MirrorTarget = { kind: 'registry'; registry: string; prefix: string } | { kind: 'layout'; dir: string };

/**
 * `OCIPKG_MIRRORS=registry=mirror,…` (a registry may be named several times; mirrors are tried
 * in order). A registry mirror is `host[:port][/prefix]` and serves `prefix/<repository>`; an
 * `oci:DIR` mirror holds one layout per repository at `DIR/<repository>` (what
 * `ocipkg copy REF oci:DIR/<repository>:TAG` vendors for air-gapped installs).
 */
export function parseMirrors(value: string | undefined): Map<string, MirrorTarget[]> {
  const out = new Map<string, MirrorTarget[]>();
  if (!value?.trim()) return out;
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new OcipkgError('E_CONFIG', `OCIPKG_MIRRORS: ${JSON.stringify(item)} is not REGISTRY=MIRROR`);
    const registry = item.slice(0, i).toLowerCase();
    const mirror = item.slice(i + 1);
    let target: MirrorTarget;
    if (mirror.startsWith('oci:')) target = { kind: 'layout', dir: mirror.slice(4) };
    else {
      const host = mirror.replace(/^https?:\/\//, '');
      const slash = host.indexOf('/');
      target = { kind: 'registry', registry: slash < 0 ? host : host.slice(0, slash), prefix: slash < 0 ? '' : host.slice(slash + 1).replace(/\/+$/, '') };
    }
    out.set(registry, [...(out.get(registry) ?? []), target]);
  }
  return out;
}

/** Failures after which the next place is tried (a wrong digest is never papered over). */
function fallBack(err: unknown): boolean {
  return err instanceof OcipkgError && ['E_NOT_FOUND', 'E_NETWORK', 'E_AUTH', 'E_REGISTRY', 'E_IO'].includes(err.code);
}

/**
 * A repository read through its mirrors first, then the origin. Each place is its own store
 * with its own credentials, so a mirror never sees the origin's. Every read is verified by the
 * store that serves it, so a mirror can make things faster or unavailable, never different.
 */
export class MirroredStore implements ReadableStore {
  readonly location: string;
  constructor(private readonly places: ReadableStore[]) {
    this.location = places[places.length - 1]!.location;
  }

  private async first<T>(what: (s: ReadableStore) => Promise<T>, accept: (v: T) => boolean = () => true): Promise<T> {
    let last: unknown;
    for (const [i, s] of this.places.entries()) {
      try {
        const v = await what(s);
        if (accept(v) || i === this.places.length - 1) return v;
      } catch (err) {
        last = err;
        if (!fallBack(err) || i === this.places.length - 1) throw err;
      }
    }
    throw last;
  }

  resolve(reference?: string): Promise<Descriptor> {
    return this.first((s) => s.resolve(reference));
  }

  fetch(desc: Descriptor): Promise<Readable> {
    return this.first((s) => s.fetch(desc));
  }

  async fetchFrom(desc: Descriptor, offset: number): Promise<Readable> {
    return this.first((s) => (s.fetchFrom ? s.fetchFrom(desc, offset) : Promise.reject(new OcipkgError('E_NOT_FOUND', 'no ranges'))));
  }

  exists(desc: Descriptor): Promise<boolean> {
    return this.first((s) => s.exists(desc), (v) => v);
  }

  listTags(): Promise<string[]> {
    return this.first((s) => s.listTags(), (v) => v.length > 0);
  }

  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    return this.first((s) => (s.referrers ? s.referrers(digest, artifactType) : Promise.resolve([])), (v) => v.length > 0);
  }

  /** Mounting needs the origin (a mirror is another registry). */
  async originOf(): Promise<ReadableStore> {
    return this.places[this.places.length - 1]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.places.map((s) => s.close().catch(() => undefined)));
  }
}
