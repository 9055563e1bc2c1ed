import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
// Registered when a test file first imports this module, i.e. on the file's root: the
// directories live until the whole file is done, wherever tempDir() was called from.
after(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A temp directory removed when the test file finishes. */
export async function tempDir(prefix = 'ocipkg-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
