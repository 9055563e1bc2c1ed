import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OcipkgError, ioError } from '../../errors.js';
import { FILE_STREAM } from '../io.js';

/**
 * A read-only view of the files of an image layout. A directory is one; an oci-archive is
 * another (a view over the tar, src/content/archive/tar-source.ts), so the layout reader is
 * written once.
 */
export interface LayoutSource {
  /** For messages: the directory or archive path. */
  readonly where: string;
  /** Size of a file, or undefined when absent. */
  size(rel: string): Promise<number | undefined>;
  readFile(rel: string, limit: number): Promise<Buffer>;
  openRead(rel: string): Promise<Readable>;
}

export class DirectorySource implements LayoutSource {
  constructor(readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  async size(rel: string): Promise<number | undefined> {
    try {
      const s = await stat(join(this.dir, rel));
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw ioError(err, join(this.dir, rel));
    }
  }

  async readFile(rel: string, limit: number): Promise<Buffer> {
    const path = join(this.dir, rel);
    let fh;
    try {
      fh = await open(path, 'r');
      const { size } = await fh.stat();
      if (size > limit) throw new OcipkgError('E_INVALID', `${path}: larger than ${limit} bytes`);
      return await fh.readFile();
    } catch (err) {
      throw ioError(err, path);
    } finally {
      await fh?.close();
    }
  }

  async openRead(rel: string): Promise<Readable> {
    const path = join(this.dir, rel);
    // Open first so a missing file is an error here, not a stream error later.
    const fh = await open(path, 'r').catch((err) => {
      throw ioError(err, path);
    });
    return fh.createReadStream({ autoClose: true, ...FILE_STREAM });
  }
}
