import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ioError } from '../errors.js';
import { isVerified, VerifyStream, type Expected } from '../spec/digest.js';
import { FILE_STREAM } from './io.js';

/** A temp name beside `target` (same directory, so rename is atomic), hidden and unique. */
export function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write bytes to `target` via a temp file and rename; the old content stays until the new is complete. */
export async function writeFileAtomic(target: string, data: Uint8Array | string, mode?: number): Promise<void> {
  await mkdir(dirname(target), { recursive: true }).catch((err) => {
    throw ioError(err, dirname(target));
  });
  const tmp = tempPath(target);
  try {
    await writeFile(tmp, data, mode !== undefined ? { mode } : {});
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw ioError(err, target);
  }
}

/**
 * Stream `content` into `target`, verified against `expected` while writing; the file appears
 * under its name only when every byte matched. On any failure the temp file is removed.
 */
export async function writeVerified(target: string, content: Readable, expected: Expected, source = ''): Promise<void> {
  await mkdir(dirname(target), { recursive: true }).catch((err) => {
    content.destroy();
    throw ioError(err, dirname(target));
  });
  const tmp = tempPath(target);
  try {
    if (isVerified(content, expected)) await pipeline(content, createWriteStream(tmp, { flags: 'wx', ...FILE_STREAM }));
    else await pipeline(content, new VerifyStream(expected, source), createWriteStream(tmp, { flags: 'wx', ...FILE_STREAM }));
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw ioError(err, target);
  }
}
