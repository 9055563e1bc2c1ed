import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ioError } from '../../errors.js';
import { tempPath } from '../atomic.js';
import { LayoutReader } from '../layout/reader.js';
import { OciLayoutStore } from '../layout/store.js';
import { TarSource } from './tar-source.js';

/** Reading an oci-archive: the layout reader over a view of the tar (nothing is extracted). */
export class OciArchiveReader extends LayoutReader {
  private constructor(private readonly tarSource: TarSource, location: string) {
    super(tarSource, location);
  }

  static async open(path: string): Promise<OciArchiveReader> {
    return new OciArchiveReader(await TarSource.open(path), `oci-archive:${path}`);
  }

  override async close(): Promise<void> {
    await this.tarSource.close();
  }
}

/**
 * Writing an oci-archive: a layout store in a temp directory beside the archive, turned into
 * a tar and renamed over the target on close(); discard() leaves the target untouched.
 * Writing into an existing archive starts from its content, so tagging adds rather than
 * replaces (skopeo replaces the whole file instead).
 */
export class OciArchiveWriter extends OciLayoutStore {
  private constructor(
    readonly archivePath: string,
    tempDir: string,
  ) {
    super(tempDir, `oci-archive:${archivePath}`);
  }

  static async open(path: string): Promise<OciArchiveWriter> {
    const tempDir = await mkdtemp(join(dirname(path), `.${basename(path)}.`)).catch((err) => {
      throw ioError(err, dirname(path));
    });
    const writer = new OciArchiveWriter(path, tempDir);
    try {
      if (await stat(path).then((s) => s.isFile(), () => false)) await writer.seed();
      await writer.init();
    } catch (err) {
      await writer.discard();
      throw err;
    }
    return writer;
  }

  /** Copy an existing archive's files into the temp layout. */
  private async seed(): Promise<void> {
    const src = await TarSource.open(this.archivePath);
    try {
      for (const name of src.names()) {
        if (name !== 'oci-layout' && name !== 'index.json' && !name.startsWith('blobs/')) continue;
        if (name.split('/').some((p) => p === '..' || p === '')) continue;
        const target = join(this.dir, name);
        await mkdir(dirname(target), { recursive: true });
        await pipeline(await src.openRead(name), createWriteStream(target));
      }
    } finally {
      await src.close();
    }
  }

  override async close(): Promise<void> {
    await this.init();
    const tmp = tempPath(this.archivePath);
    try {
      await pipeline(packLayoutDir(this.dir), createWriteStream(tmp));
      await rename(tmp, this.archivePath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw ioError(err, this.archivePath);
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  override async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The tar of a layout directory: oci-layout, index.json, then blobs in sorted order, streamed. */
function packLayoutDir(dir: string): tar.Pack {
  const pack = tar.pack();
  const opts = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  (async () => {
    const add = (name: string, size: number) =>
      new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ ...opts, name, size, mode: 0o644, type: 'file' }, (err) => (err ? reject(err) : resolve()));
        pipeline(createReadStream(join(dir, name)), entry).catch(reject);
      });
    const dirEntry = (name: string) =>
      new Promise<void>((resolve, reject) => pack.entry({ ...opts, name, mode: 0o755, type: 'directory' }, (err) => (err ? reject(err) : resolve())));
    await add('oci-layout', (await stat(join(dir, 'oci-layout'))).size);
    await add('index.json', (await stat(join(dir, 'index.json'))).size);
    await dirEntry('blobs');
    for (const alg of (await readdir(join(dir, 'blobs'))).sort()) {
      await dirEntry(`blobs/${alg}`);
      for (const hex of (await readdir(join(dir, 'blobs', alg))).sort()) {
        if (hex.startsWith('.')) continue;
        await add(`blobs/${alg}/${hex}`, (await stat(join(dir, 'blobs', alg, hex))).size);
      }
    }
    pack.finalize();
  })().catch((err) => pack.destroy(err));
  return pack;
}
