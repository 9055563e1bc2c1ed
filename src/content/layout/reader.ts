import type { Readable } from 'node:stream';
import { OcipkgError, someOf } from '../../errors.js';
import { isDigest, parseDigest, verifyBuffer, verifying } from '../../spec/digest.js';
import { isRootMediaType, MediaType } from '../../spec/mediatype.js';
import { parseIndex, parseJson, parseOciLayout, parseRoot, rootMediaType } from '../../spec/parse.js';
import { ANNOTATION, type Descriptor, type Index } from '../../spec/types.js';
import { MAX_MANIFEST_BYTES } from '../fetch-bytes.js';
import type { ReadableStore } from '../store.js';
import type { LayoutSource } from './source.js';

export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

export function emptyIndex(): Index {
  return { schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [] };
}

/**
 * The read half of an OCI image layout over any LayoutSource. The `oci-layout` file is
 * optional on read: archives written by ocipkg-rs have none.
 */
export class LayoutReader implements ReadableStore {
  constructor(
    protected readonly source: LayoutSource,
    readonly location: string,
  ) {}

  /** index.json, validated; an absent layout reads as empty (callers decide if that is an error). */
  async readIndex(): Promise<Index> {
    const where = `${this.source.where}/index.json`;
    if ((await this.source.size('index.json')) === undefined) {
      if ((await this.source.size('oci-layout')) === undefined) {
        throw new OcipkgError('E_NOT_FOUND', `${this.location}: not an OCI image layout (no index.json)`);
      }
      return emptyIndex();
    }
    if ((await this.source.size('oci-layout')) !== undefined) {
      parseOciLayout(parseJson(await this.source.readFile('oci-layout', 4096), `${this.source.where}/oci-layout`), `${this.source.where}/oci-layout`);
    }
    return parseIndex(parseJson(await this.source.readFile('index.json', MAX_MANIFEST_BYTES), where), where);
  }

  async resolve(reference?: string): Promise<Descriptor> {
    const index = await this.readIndex();
    if (reference === undefined) {
      const roots = index.manifests.filter((d) => isRootMediaType(d.mediaType));
      if (roots.length === 1) return roots[0]!;
      if (roots.length === 0) throw new OcipkgError('E_NOT_FOUND', `${this.location}: the layout holds no manifest`);
      const names = roots.map((d) => d.annotations?.[ANNOTATION.RefName] ?? d.digest);
      throw new OcipkgError('E_USAGE', `${this.location}: holds ${roots.length} manifests, name one with :TAG (${someOf(names)})`);
    }
    if (isDigest(reference)) {
      const listed = index.manifests.find((d) => d.digest === reference);
      if (listed) return listed;
      return this.describeBlob(reference);
    }
    // The newest entry wins when a tag is listed twice (written by tools that append).
    const hit = [...index.manifests].reverse().find((d) => d.annotations?.[ANNOTATION.RefName] === reference);
    if (!hit) {
      const tags = index.manifests.map((d) => d.annotations?.[ANNOTATION.RefName]).filter((t): t is string => !!t);
      const known = tags.length ? ` (tags: ${someOf(tags)})` : '';
      throw new OcipkgError('E_NOT_FOUND', `${this.location}: tag ${JSON.stringify(reference)} not found${known}`);
    }
    return hit;
  }

  /** A digest not listed in index.json: read the blob to learn what it is. */
  private async describeBlob(digest: string): Promise<Descriptor> {
    const size = await this.source.size(blobPath(digest));
    if (size === undefined) throw new OcipkgError('E_NOT_FOUND', `${this.location}: manifest ${digest} not found`);
    const desc = { mediaType: MediaType.ImageManifest, digest, size };
    const bytes = await this.source.readFile(blobPath(digest), MAX_MANIFEST_BYTES);
    verifyBuffer(bytes, desc, this.location);
    return { ...desc, mediaType: rootMediaType(parseRoot(bytes, `${this.location}@${digest}`)) };
  }

  /** Referrers in a layout: the manifests index.json lists whose subject is `digest`. */
  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of (await this.readIndex()).manifests) {
      if (!isRootMediaType(d.mediaType) || out.some((o) => o.digest === d.digest)) continue;
      const bytes = await this.source.readFile(blobPath(d.digest), MAX_MANIFEST_BYTES).catch(() => undefined);
      if (!bytes) continue;
      const node = parseRoot(bytes, `${this.location}@${d.digest}`, d.mediaType);
      const doc = node.kind === 'manifest' ? node.manifest : node.index;
      if (doc.subject?.digest !== digest) continue;
      const type = doc.artifactType ?? (node.kind === 'manifest' ? node.manifest.config.mediaType : undefined);
      if (artifactType && type !== artifactType) continue;
      out.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, ...(type ? { artifactType: type } : {}), ...(doc.annotations ? { annotations: doc.annotations } : {}) });
    }
    return out;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const rel = blobPath(desc.digest);
    const size = await this.source.size(rel);
    if (size === undefined) throw new OcipkgError('E_NOT_FOUND', `${this.location}: blob ${desc.digest} not found`);
    return verifying(await this.source.openRead(rel), desc, this.location);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    const size = await this.source.size(blobPath(desc.digest));
    return size !== undefined && size === desc.size;
  }

  async listTags(): Promise<string[]> {
    const index = await this.readIndex();
    return [...new Set(index.manifests.map((d) => d.annotations?.[ANNOTATION.RefName]).filter((t): t is string => !!t))];
  }

  async close(): Promise<void> {}
}
