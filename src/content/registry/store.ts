import { Readable } from 'node:stream';
import { OcipkgError } from '../../errors.js';
import { isDigest, verifyBuffer, verifying } from '../../spec/digest.js';
import { MANIFEST_ACCEPT, isRootMediaType } from '../../spec/mediatype.js';
import { parseIndex, parseJson, parseRoot, rootMediaType } from '../../spec/parse.js';
import { digestOf } from '../../spec/digest.js';
import { buildIndex } from '../../spec/build.js';
import type { Descriptor } from '../../spec/types.js';
import { MAX_MANIFEST_BYTES, readAll } from '../fetch-bytes.js';
import type { ReadableStore, Store } from '../store.js';
import { blobStream } from './blob-reader.js';
import type { RegistryTransport, Scope } from './types.js';
import { uploadBlob, type UploadOptions } from './upload.js';

const ACCEPT = MANIFEST_ACCEPT.join(', ');

function header(res: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A repository of a registry, spoken to over the OCI distribution API. */
export class RegistryStore implements Store {
  /** Manifests pushed or read by this instance, so tag() need not fetch them again. */
  private readonly manifests = new Map<string, Buffer>();

  constructor(
    readonly transport: RegistryTransport,
    readonly repository: string,
    private readonly upload: UploadOptions & { tagPageSize?: number } = {},
  ) {}

  get location(): string {
    return `${this.transport.registry}/${this.repository}`;
  }

  private scopes(push = false): Scope[] {
    return [{ repository: this.repository, actions: push ? ['pull', 'push'] : ['pull'] }];
  }

  async resolve(reference = 'latest'): Promise<Descriptor> {
    const what = `manifest ${this.location}${isDigest(reference) ? '@' : ':'}${reference}`;
    const url = `/v2/${this.repository}/manifests/${reference}`;
    const head = await this.transport.request({ method: 'HEAD', url, scopes: this.scopes(), what, headers: { accept: ACCEPT } });
    head.body.resume();
    const digest = header(head, 'docker-content-digest');
    const mediaType = header(head, 'content-type')?.split(';')[0]?.trim();
    const size = Number(header(head, 'content-length'));
    if (digest && mediaType && isRootMediaType(mediaType) && Number.isSafeInteger(size) && (!isDigest(reference) || digest === reference)) {
      return { mediaType, digest, size };
    }
    // No usable headers: read the manifest and describe it ourselves.
    const res = await this.transport.request({ method: 'GET', url, scopes: this.scopes(), what, headers: { accept: ACCEPT } });
    const bytes = await readAll(res.body, MAX_MANIFEST_BYTES, what);
    const actual = digestOf(bytes);
    if (isDigest(reference) && actual !== reference) {
      throw new OcipkgError('E_DIGEST_MISMATCH', `digest mismatch from ${this.transport.registry}: expected ${reference}, got ${actual}`);
    }
    const desc = { mediaType: rootMediaType(parseRoot(bytes, what, header(res, 'content-type')?.split(';')[0])), digest: actual, size: bytes.length };
    this.manifests.set(actual, bytes);
    return desc;
  }

  /** The blob's bytes from `offset` on, unverified: for a caller that verifies the whole (a resumed download). */
  async fetchFrom(desc: Descriptor, offset: number): Promise<Readable> {
    return blobStream(this.transport, `/v2/${this.repository}/blobs/${desc.digest}`, desc, this.scopes(), 5, offset);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const cached = this.manifests.get(desc.digest);
    if (cached) return verifying(Readable.from([cached]), desc, this.location);
    if (isRootMediaType(desc.mediaType)) {
      const what = `manifest ${this.location}@${desc.digest}`;
      const res = await this.transport.request({ method: 'GET', url: `/v2/${this.repository}/manifests/${desc.digest}`, scopes: this.scopes(), what, headers: { accept: ACCEPT } });
      const sent = header(res, 'docker-content-digest');
      if (sent && sent !== desc.digest) {
        res.body.resume();
        throw new OcipkgError('E_DIGEST_MISMATCH', `digest mismatch from ${this.transport.registry}: expected ${desc.digest}, the registry says ${sent}`);
      }
      return verifying(res.body, desc, this.transport.registry);
    }
    return verifying(await blobStream(this.transport, `/v2/${this.repository}/blobs/${desc.digest}`, desc, this.scopes()), desc, this.transport.registry);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    const kind = isRootMediaType(desc.mediaType) ? 'manifests' : 'blobs';
    const res = await this.transport.request({
      method: 'HEAD',
      url: `/v2/${this.repository}/${kind}/${desc.digest}`,
      scopes: this.scopes(),
      what: `${desc.digest} in ${this.location}`,
      expect: [200, 404],
      headers: kind === 'manifests' ? { accept: ACCEPT } : {},
    });
    res.body.resume();
    return res.status === 200;
  }

  async push(desc: Descriptor, content: Readable): Promise<void> {
    if (isRootMediaType(desc.mediaType)) {
      const bytes = await readAll(content, MAX_MANIFEST_BYTES, `manifest ${desc.digest}`);
      verifyBuffer(bytes, desc, 'the source');
      const acknowledged = await this.putManifest(desc, bytes, desc.digest);
      this.manifests.set(desc.digest, bytes);
      const node = parseRoot(bytes, `${this.location}@${desc.digest}`, desc.mediaType);
      const doc = node.kind === 'manifest' ? node.manifest : node.index;
      if (doc.subject && !acknowledged) await this.addReferrerTag(doc.subject.digest, { ...desc, ...(doc.artifactType ? { artifactType: doc.artifactType } : node.kind === 'manifest' ? { artifactType: node.manifest.config.mediaType } : {}), ...(doc.annotations ? { annotations: doc.annotations } : {}) });
      return;
    }
    if (await this.exists(desc)) {
      content.destroy();
      return;
    }
    await uploadBlob(this.transport, this.repository, desc, content, this.upload);
  }

  /**
   * A registry without the referrers API (no OCI-Subject header on the manifest PUT) learns of a
   * referrer through the tag schema of the distribution spec: an index tagged `sha256-<hex>` of
   * the subject, which the pusher keeps up to date.
   */
  private async addReferrerTag(subject: string, referrer: Descriptor): Promise<void> {
    const tag = subject.replace(':', '-');
    let manifests: Descriptor[] = [];
    try {
      const cur = await this.resolve(tag);
      manifests = parseIndex(parseJson(await readAll(await this.fetch(cur), MAX_MANIFEST_BYTES, tag), tag), tag).manifests;
    } catch (err) {
      if (!(err instanceof OcipkgError && err.code === 'E_NOT_FOUND')) throw err;
    }
    if (manifests.some((d) => d.digest === referrer.digest)) return;
    const { platform: _p, ...entry } = referrer;
    const index = buildIndex({ manifests: [...manifests, entry] });
    await this.putManifest(index.descriptor, index.bytes, tag);
  }

  /** PUT a manifest; resolves whether the registry acknowledged its subject (OCI-Subject). */
  private async putManifest(desc: Descriptor, bytes: Buffer, reference: string): Promise<boolean> {
    const res = await this.transport.request({
      method: 'PUT',
      url: `/v2/${this.repository}/manifests/${reference}`,
      scopes: this.scopes(true),
      what: `manifest ${this.location}${isDigest(reference) ? '@' : ':'}${reference}`,
      expect: [201, 200, 204],
      headers: { 'content-type': desc.mediaType },
      body: bytes,
    });
    res.body.resume();
    return !!res.headers['oci-subject'];
  }

  async tag(desc: Descriptor, reference?: string): Promise<void> {
    if (reference === undefined || reference === desc.digest) return;
    const bytes = this.manifests.get(desc.digest) ?? (await readAll(await this.fetch(desc), MAX_MANIFEST_BYTES, desc.digest));
    await this.putManifest(desc, bytes, reference);
  }

  /** Cross-repository mount: the registry links the blob from `from` without us moving bytes. */
  async mount(desc: Descriptor, from: ReadableStore): Promise<boolean> {
    if (!(from instanceof RegistryStore) || from.transport.registry !== this.transport.registry || from.repository === this.repository) return false;
    if (isRootMediaType(desc.mediaType)) return false;
    const res = await this.transport.request({
      method: 'POST',
      url: `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from.repository)}`,
      scopes: [{ repository: this.repository, actions: ['pull', 'push'] }, { repository: from.repository, actions: ['pull'] }],
      what: `mount of ${desc.digest} from ${from.repository}`,
      expect: [201, 202],
      headers: { 'content-length': '0' },
    });
    res.body.resume();
    if (res.status === 201) return true;
    // 202: the registry opened an ordinary upload instead; abandon it and upload normally.
    const loc = res.headers.location;
    if (loc) {
      await this.transport
        .request({ method: 'DELETE', url: new URL(String(loc), this.transport.baseUrl).href, scopes: this.scopes(true), what: 'cancel upload', expect: [204, 200, 404, 405] })
        .then((r) => r.body.resume(), () => undefined);
    }
    return false;
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `/v2/${this.repository}/tags/list?n=${this.upload.tagPageSize ?? 1000}`;
    for (let pages = 0; url && pages < 1000; pages++) {
      const res = await this.transport.request({ method: 'GET', url, scopes: this.scopes(), what: `tags of ${this.location}` });
      const body = parseJson(await readAll(res.body, 16 * 1024 * 1024, 'tags'), `tags of ${this.location}`) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = header(res, 'link');
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      url = next ? new URL(next, res.url).href : undefined;
    }
    return tags;
  }

  /** Artifacts whose subject is `digest`: the referrers API, else the `sha256-<hex>` tag schema. */
  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.transport.request({ method: 'GET', url: `/v2/${this.repository}/referrers/${digest}${q}`, scopes: this.scopes(), what: `referrers of ${digest}`, expect: [200, 404], headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    let index;
    if (res.status === 200) {
      index = parseIndex(parseJson(await readAll(res.body, MAX_MANIFEST_BYTES, 'referrers'), 'referrers'), 'referrers');
    } else {
      res.body.resume();
      const tag = digest.replace(':', '-');
      try {
        const desc = await this.resolve(tag);
        index = parseIndex(parseJson(await readAll(await this.fetch(desc), MAX_MANIFEST_BYTES, tag), tag), tag);
      } catch (err) {
        if (err instanceof OcipkgError && err.code === 'E_NOT_FOUND') return [];
        throw err;
      }
    }
    return index.manifests.filter((d) => !artifactType || d.artifactType === artifactType);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
