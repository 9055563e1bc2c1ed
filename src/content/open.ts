import { OcipkgError } from '../errors.js';
import { formatReference, type Reference, type RegistryReference } from '../spec/reference.js';
import type { RegistryStore } from './registry/store.js';
import { OciArchiveReader, OciArchiveWriter } from './archive/store.js';
import { LayoutReader } from './layout/reader.js';
import { OciLayoutStore } from './layout/store.js';
import { DirectorySource } from './layout/source.js';
import type { ReadableStore, Store } from './store.js';
import { MirroredStore, parseMirrors } from './mirror.js';
import { join } from 'node:path';

export interface OpenOptions {
  /** Use plain HTTP for this registry (loopback registries always are). */
  plainHttp?: boolean;
  /** Mirrors to read through (default: OCIPKG_MIRRORS); sources only. */
  mirrors?: string;
}

export interface Opened<S> {
  store: S;
  /** What to resolve or tag inside the store: the digest when given, else the tag, else undefined. */
  reference?: string;
  /** The tag for a destination (a digest cannot be written as a name). */
  tag?: string;
}

/** The registry code (and undici) is loaded only when a registry is used. */
async function openRegistry(ref: RegistryReference, opts: OpenOptions): Promise<RegistryStore> {
  const [{ RegistryStore }, { createTransport }] = await Promise.all([import('./registry/store.js'), import('./registry/transport.js')]);
  return new RegistryStore(createTransport(ref.registry, { plainHttp: opts.plainHttp ?? false }), ref.repository);
}

/** A registry source, behind its OCIPKG_MIRRORS mirrors when it has any. */
async function openRegistrySource(ref: RegistryReference, opts: OpenOptions): Promise<ReadableStore> {
  const origin = await openRegistry(ref, opts);
  const targets = parseMirrors(opts.mirrors ?? process.env.OCIPKG_MIRRORS).get(ref.registry.toLowerCase()) ?? [];
  if (!targets.length) return origin;
  const mirrors: ReadableStore[] = [];
  for (const t of targets) {
    if (t.kind === 'layout') {
      const dir = join(t.dir, ref.repository);
      mirrors.push(new LayoutReader(new DirectorySource(dir), `oci:${dir} (mirror of ${ref.registry})`));
    } else {
      mirrors.push(await openRegistry({ ...ref, registry: t.registry, repository: t.prefix ? `${t.prefix}/${ref.repository}` : ref.repository }, { plainHttp: opts.plainHttp ?? false }));
    }
  }
  return new MirroredStore([...mirrors, origin]);
}

function refParts(ref: Reference): { reference?: string; tag?: string } {
  const out: { reference?: string; tag?: string } = {};
  if (ref.digest ?? ref.tag) out.reference = (ref.digest ?? ref.tag)!;
  if (ref.tag) out.tag = ref.tag;
  return out;
}

export async function openSource(ref: Reference, opts: OpenOptions = {}): Promise<Opened<ReadableStore>> {
  switch (ref.kind) {
    case 'oci': {
      const store = new LayoutReader(new DirectorySource(ref.path), `oci:${ref.path}`);
      return { store, ...refParts(ref) };
    }
    case 'oci-archive':
      return { store: await OciArchiveReader.open(ref.path), ...refParts(ref) };
    case 'registry':
      return { store: await openRegistrySource(ref, opts), ...refParts(ref) };
  }
}

export async function openDestination(ref: Reference, opts: OpenOptions = {}): Promise<Opened<Store>> {
  switch (ref.kind) {
    case 'oci':
      return { store: new OciLayoutStore(ref.path), ...refParts(ref) };
    case 'oci-archive':
      if (ref.digest) throw new OcipkgError('E_USAGE', `${formatReference(ref)}: a destination cannot name a digest`);
      return { store: await OciArchiveWriter.open(ref.path), ...refParts(ref) };
    case 'registry':
      // Like docker push: no tag and no digest means latest.
      return { store: await openRegistry(ref, opts), ...refParts(ref), ...(ref.tag || ref.digest ? {} : { tag: 'latest' }) };
  }
}
