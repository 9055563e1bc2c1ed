import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp directory removed when the test file finishes. */
export async function tempDir(prefix = 'ocipkg-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(d, { recursive: true, force: true }));
  return d;
}
