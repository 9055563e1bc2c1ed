import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { OcipkgError, ioError } from '../../errors.js';
import type { LayoutSource } from '../layout/source.js';
import { indexTar, type TarEntry } from './tar-index.js';
import { FILE_STREAM } from '../io.js';

/** A LayoutSource over an oci-archive: files are byte ranges of the tar, read in place. */
export class TarSource implements LayoutSource {
  private constructor(
    readonly where: string,
    private readonly fh: FileHandle,
    private readonly entries: Map<string, TarEntry>,
  ) {}

  static async open(path: string): Promise<TarSource> {
    const fh = await open(path, 'r').catch((err) => {
      throw ioError(err, path);
    });
    try {
      return new TarSource(path, fh, await indexTar(fh, path));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async size(rel: string): Promise<number | undefined> {
    return this.entries.get(rel)?.size;
  }

  private entry(rel: string): TarEntry {
    const e = this.entries.get(rel);
    if (!e) throw new OcipkgError('E_NOT_FOUND', `${this.where}: ${rel}: not in the archive`);
    return e;
  }

  async readFile(rel: string, limit: number): Promise<Buffer> {
    const e = this.entry(rel);
    if (e.size > limit) throw new OcipkgError('E_INVALID', `${this.where}: ${rel}: larger than ${limit} bytes`);
    const buf = Buffer.alloc(e.size);
    await this.fh.read(buf, 0, e.size, e.offset);
    return buf;
  }

  async openRead(rel: string): Promise<Readable> {
    const e = this.entry(rel);
    if (e.size === 0) return Readable.from([]);
    // A descriptor of its own per stream: concurrent blob reads must not share a file position.
    return createReadStream(this.where, { start: e.offset, end: e.offset + e.size - 1, ...FILE_STREAM });
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Every file in the archive (for copying an archive's content into a writer). */
  names(): string[] {
    return [...this.entries.keys()];
  }
}
