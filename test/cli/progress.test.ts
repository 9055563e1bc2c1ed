import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Progress, formatBytes, transferReport } from '../../src/cli/progress.js';
import { build } from '../../src/artifact/build.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { tempDir } from '../helpers/tmp.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

test('progress is drawn on a TTY only, never with CI set, and erased when done', async () => {
  const tty = sink(true);
  const p = Progress.for(tty.stream, 'pulling  ', {});
  p.add(1024 * 1024);
  await new Promise((r) => setTimeout(r, 120));
  p.add(1024 * 1024);
  p.done();
  assert.ok(tty.out.some((s) => /^\r\x1b\[2Kpulling {2}2\.0 MiB {2}[\d.]+ [KMG]?i?B\/s$/.test(s)), JSON.stringify(tty.out));
  assert.equal(tty.out.at(-1), '\r\x1b[2K');

  for (const [isTTY, env] of [[false, {}], [true, { CI: 'true' }], [true, { CI: '1' }]] as const) {
    const s = sink(isTTY);
    const q = Progress.for(s.stream, '', env);
    q.add(5);
    await new Promise((r) => setTimeout(r, 120));
    q.add(5);
    q.done();
    assert.deepEqual(s.out, [], `isTTY=${isTTY} env=${JSON.stringify(env)}`);
  }
  assert.equal(formatBytes(1536), '1.5 KiB');
});

test('build, append and publish report transfer progress and retries the way copy does', async () => {
  const tty = sink(true);
  const r = transferReport(tty.stream, 'pushing  ', {});
  assert.ok(r.onProgress, 'a TTY gets a progress line');
  r.onProgress!({ type: 'bytes', descriptor: { mediaType: 'x', digest: 'sha256:x', size: 1 }, bytes: 3 * 1024 * 1024 });
  r.onRetry({ descriptor: { mediaType: 'x', digest: 'sha256:x', size: 1 }, attempt: 2, of: 3, error: new Error('network error talking to h (ECONNRESET) (upload of x)') });
  r.done();
  assert.match(tty.out[0]!, /^\r\x1b\[2Kpushing {2}3\.0 MiB/);
  assert.equal(tty.out[1], '\r\x1b[2K', 'the progress line is erased before the retry line');
  assert.equal(tty.out[2], 'ocipkg: network error talking to h (ECONNRESET) (upload of x); trying again (2 of 3)\n');
  const ci = sink(true);
  const q = transferReport(ci.stream, 'pushing  ', { CI: 'true' });
  assert.equal(q.onProgress, undefined, 'no progress with CI set');
  q.onRetry({ descriptor: { mediaType: 'x', digest: 'sha256:x', size: 1 }, attempt: 3, of: 3, error: new Error('HTTP 500') });
  assert.deepEqual(ci.out, ['ocipkg: HTTP 500; trying again (3 of 3)\n'], 'retries are always said');

  // The library passes the events through: a build into a layout reports every byte it writes.
  const dir = await tempDir();
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files', 'a.bin'), Buffer.alloc(200_000, 7));
  let bytes = 0;
  const root = await build([{ platform: { os: 'linux', architecture: 'amd64' }, paths: [join(dir, 'files')] }], new OciLayoutStore(join(dir, 'out')), 'v1', {
    onProgress: (e) => {
      if (e.type === 'bytes') bytes += e.bytes;
    },
  });
  const index = JSON.parse(await readFile(join(dir, 'out', 'blobs', 'sha256', root.digest.slice(7)), 'utf8'));
  const manifest = JSON.parse(await readFile(join(dir, 'out', 'blobs', 'sha256', (index.manifests?.[0]?.digest ?? root.digest).slice(7)), 'utf8'));
  const blobBytes = [manifest.config, ...manifest.layers].reduce((n: number, d: { size: number }) => n + d.size, 0);
  assert.equal(bytes, blobBytes, 'every config and layer byte was reported');
});
