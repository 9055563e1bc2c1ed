import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ioError } from '../../errors.js';
import { encodeJson } from '../../spec/build.js';
import { ANNOTATION, type Descriptor, type Index } from '../../spec/types.js';
import { writeFileAtomic, writeVerified } from '../atomic.js';
import type { Store } from '../store.js';
import { LayoutReader, blobPath, emptyIndex } from './reader.js';
import { DirectorySource } from './source.js';

export const OCI_LAYOUT_FILE = encodeJson({ imageLayoutVersion: '1.0.0' });

/**
 * An OCI image layout directory (`oci:PATH`). Blobs are written through a verifying temp file
 * and renamed into place; index.json is rewritten atomically, updates serialised in-process.
 */
export class OciLayoutStore extends LayoutReader implements Store {
  private indexLock: Promise<unknown> = Promise.resolve();
  private initialised = false;
  /** What this instance created, so discard() can take it back. */
  private created = { layout: false, blobs: [] as string[] };

  constructor(readonly dir: string, location = `oci:${dir}`) {
    super(new DirectorySource(dir), location);
  }

  /** Make the directory a layout if it is not one yet (oci-layout, empty index.json). */
  async init(): Promise<void> {
    if (this.initialised) return;
    const existed = await stat(this.dir).then(() => true, () => false);
    await mkdir(join(this.dir, 'blobs'), { recursive: true }).catch((err) => {
      throw ioError(err, this.dir);
    });
    if (!existed) this.created.layout = true;
    if ((await this.source.size('oci-layout')) === undefined) await writeFileAtomic(join(this.dir, 'oci-layout'), OCI_LAYOUT_FILE);
    if ((await this.source.size('index.json')) === undefined) await writeFileAtomic(join(this.dir, 'index.json'), encodeJson(emptyIndex()));
    this.initialised = true;
  }

  async push(desc: Descriptor, content: Readable): Promise<void> {
    if (await this.exists(desc)) {
      content.destroy();
      return;
    }
    await this.init();
    const path = join(this.dir, blobPath(desc.digest));
    await writeVerified(path, content, desc, this.location);
    this.created.blobs.push(path);
  }

  /**
   * Move a file whose digest and size the caller computed while writing it (a layer from
   * src/pack) into place as `desc`. Used for staging layouts, to avoid copying the bytes again.
   */
  async adopt(desc: Descriptor, file: string): Promise<void> {
    await this.init();
    const path = join(this.dir, blobPath(desc.digest));
    await mkdir(dirname(path), { recursive: true });
    await rename(file, path).catch((err) => {
      throw ioError(err, path);
    });
    this.created.blobs.push(path);
  }

  /**
   * Take back what this instance wrote: the blobs it added and, if it made the layout, the
   * directory. Used when a verb fails, so the destination is left as it was. index.json is
   * only ever changed by tag(), the last step of a successful copy.
   */
  async discard(): Promise<void> {
    if (this.created.layout) {
      await rm(this.dir, { recursive: true, force: true });
    } else {
      for (const path of this.created.blobs) await rm(path, { force: true });
    }
    this.created = { layout: false, blobs: [] };
  }

  async tag(desc: Descriptor, reference?: string): Promise<void> {
    await this.updateIndex((index) => {
      const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
      if (desc.artifactType) entry.artifactType = desc.artifactType;
      if (desc.platform) entry.platform = desc.platform;
      const annotations = { ...desc.annotations };
      delete annotations[ANNOTATION.RefName];
      if (reference === undefined) {
        if (index.manifests.some((d) => d.digest === desc.digest)) return index;
      } else {
        annotations[ANNOTATION.RefName] = reference;
      }
      if (Object.keys(annotations).length) entry.annotations = annotations;
      const others = index.manifests.filter((d) => reference === undefined || d.annotations?.[ANNOTATION.RefName] !== reference);
      return { ...index, manifests: [...others, entry] };
    });
  }

  /** Remove a tag from index.json (the blobs stay; they may be shared). */
  async untag(reference: string): Promise<void> {
    await this.updateIndex((index) => ({
      ...index,
      manifests: index.manifests.filter((d) => d.annotations?.[ANNOTATION.RefName] !== reference),
    }));
  }

  private updateIndex(change: (index: Index) => Index): Promise<void> {
    const next = this.indexLock.then(async () => {
      await this.init();
      const index = await this.readIndex();
      await writeFileAtomic(join(this.dir, 'index.json'), encodeJson(change(index)));
    });
    this.indexLock = next.catch(() => undefined);
    return next;
  }
}
