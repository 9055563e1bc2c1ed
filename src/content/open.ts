import { OcipkgError } from '../errors.js';
import { formatReference, type Reference } from '../spec/reference.js';
import { OciArchiveReader, OciArchiveWriter } from './archive/store.js';
import { LayoutReader } from './layout/reader.js';
import { OciLayoutStore } from './layout/store.js';
import { DirectorySource } from './layout/source.js';
import type { ReadableStore, Store } from './store.js';

export interface OpenOptions {
  /** Use plain HTTP for this registry (loopback registries always are). */
  plainHttp?: boolean;
}

export interface Opened<S> {
  store: S;
  /** What to resolve or tag inside the store: the digest when given, else the tag, else undefined. */
  reference?: string;
  /** The tag for a destination (a digest cannot be written as a name). */
  tag?: string;
}

type Opener = (ref: Reference, opts: OpenOptions) => Promise<ReadableStore>;
type WriterOpener = (ref: Reference, opts: OpenOptions) => Promise<Store>;

const registryOpeners: { read?: Opener; write?: WriterOpener } = {};

/** The registry store registers itself here, keeping this module free of HTTP. */
export function registerRegistryStore(read: Opener, write: WriterOpener): void {
  registryOpeners.read = read;
  registryOpeners.write = write;
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
      if (!registryOpeners.read) throw new OcipkgError('E_UNSUPPORTED', `${formatReference(ref)}: registry support is not loaded`);
      return { store: await registryOpeners.read(ref, opts), ...refParts(ref) };
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
      if (!registryOpeners.write) throw new OcipkgError('E_UNSUPPORTED', `${formatReference(ref)}: registry support is not loaded`);
      return { store: await registryOpeners.write(ref, opts), ...refParts(ref) };
  }
}
