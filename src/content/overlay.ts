import type { Readable } from 'node:stream';
import type { Descriptor } from '../spec/types.js';
import type { ReadableStore } from './store.js';

/**
 * New blobs on top of an existing store, read as one: what append makes (a layer, a config, a
 * manifest) lies in `top`, the base image's layers stay in `base` and are never fetched unless
 * the destination needs their bytes. `originOf` tells the copy which store really holds a blob,
 * so a registry destination can mount base layers instead of receiving them.
 */
export class OverlayStore implements ReadableStore {
  readonly location: string;
  constructor(
    private readonly top: ReadableStore,
    private readonly base: ReadableStore,
  ) {
    this.location = base.location;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    return (await this.top.exists(desc)) ? this.top.fetch(desc) : this.base.fetch(desc);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return (await this.top.exists(desc)) || this.base.exists(desc);
  }

  resolve(reference?: string): Promise<Descriptor> {
    return this.top.resolve(reference);
  }

  listTags(): Promise<string[]> {
    return this.top.listTags();
  }

  async originOf(desc: Descriptor): Promise<ReadableStore> {
    if (await this.top.exists(desc)) return this.top;
    return this.base.originOf ? this.base.originOf(desc) : this.base;
  }

  /** The overlay owns neither store. */
  async close(): Promise<void> {}
}
