import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciLayoutStore } from '../content/layout/store.js';
import { encodeJson, descriptorFor } from '../spec/build.js';
import type { Descriptor } from '../spec/types.js';
import { writeLayer, type LayerOptions, type WrittenLayer } from '../pack/layer.js';
import type { PackSource } from '../pack/walk.js';

/**
 * A private OCI layout in the temp directory where build and append assemble what they make
 * before one copy() moves it to the destination (so any reference form works as destination,
 * and a failure leaves the destination untouched).
 */
export class Staging {
  private n = 0;
  private constructor(
    readonly dir: string,
    readonly store: OciLayoutStore,
  ) {}

  static async create(): Promise<Staging> {
    const dir = await mkdtemp(join(tmpdir(), 'ocipkg-stage-'));
    const store = new OciLayoutStore(join(dir, 'layout'), 'staging');
    await store.init();
    return new Staging(dir, store);
  }

  async layer(sources: PackSource[], opts: LayerOptions): Promise<WrittenLayer> {
    const file = join(this.dir, `layer-${this.n++}`);
    const layer = await writeLayer(sources, file, opts);
    if (await this.store.exists(layer.descriptor)) await rm(file, { force: true });
    else await this.store.adopt(layer.descriptor, file);
    return layer;
  }

  /** Store a JSON document (config, manifest, index) and return its descriptor. */
  async json(doc: unknown, mediaType: string, extra?: Partial<Descriptor>): Promise<Descriptor> {
    const bytes = encodeJson(doc);
    const desc = descriptorFor(bytes, mediaType, extra);
    await this.store.push(desc, Readable.from([bytes]));
    return desc;
  }

  async bytes(bytes: Buffer, desc: Descriptor): Promise<void> {
    await this.store.push(desc, Readable.from([bytes]));
  }

  async dispose(): Promise<void> {
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
