import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { OciArchiveReader, OciArchiveWriter } from '../../src/content/archive/store.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { runStoreConformance } from './conformance.js';
import { randomArtifact } from '../helpers/random.js';
import { validateGraph, validateLayoutDir } from '../helpers/validate.js';
import { OcipkgError } from '../../src/errors.js';

const run = promisify(execFile);
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ocipkg-archive-'));
  dirs.push(d);
  return d;
}

runStoreConformance('oci-archive', async () => {
  const dir = await tempDir();
  const path = join(dir, 'image.tar');
  const writer = await OciArchiveWriter.open(path);
  let reader: OciArchiveReader | undefined;
  return {
    writer,
    reopen: async () => {
      await writer.close();
      assert.deepEqual((await readdir(dir)).sort(), ['image.tar'], 'no temp files beside the archive');
      reader = await OciArchiveReader.open(path);
      return reader;
    },
    cleanup: async () => {
      await reader?.close();
    },
  };
});

/** Make a tar from name → content pairs (for archives written by other tools). */
async function writeTar(path: string, files: [string, Buffer][]): Promise<void> {
  const pack = tar.pack();
  for (const [name, content] of files) pack.entry({ name, size: content.length }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  await writeFile(path, Buffer.concat(chunks));
}

async function layoutFiles(dir: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  out.push(['index.json', await readFile(join(dir, 'index.json'))]);
  for (const hex of await readdir(join(dir, 'blobs', 'sha256'))) out.push([`blobs/sha256/${hex}`, await readFile(join(dir, 'blobs', 'sha256', hex))]);
  return out;
}

test('archives without oci-layout and with ./ prefixed names are read (ocipkg-rs, GNU tar)', async () => {
  const dir = await tempDir();
  const layout = new OciLayoutStore(join(dir, 'l'));
  const art = await randomArtifact(layout, { tag: 'rs' });
  const files = await layoutFiles(join(dir, 'l'));
  await writeTar(join(dir, 'rs.tar'), files);
  await writeTar(join(dir, 'dot.tar'), files.map(([n, b]) => [`./${n}`, b]));
  for (const name of ['rs.tar', 'dot.tar']) {
    const r = await OciArchiveReader.open(join(dir, name));
    try {
      assert.equal((await r.resolve('rs')).digest, art.root.digest);
      assert.equal((await r.resolve()).digest, art.root.digest);
      assert.equal(await validateGraph(r, art.root), art.blobs.size);
    } finally {
      await r.close();
    }
  }
});

test('a truncated or foreign file is refused with one line', async () => {
  const dir = await tempDir();
  const w = await OciArchiveWriter.open(join(dir, 'a.tar'));
  await randomArtifact(w, { tag: 't' });
  await w.close();
  const full = await readFile(join(dir, 'a.tar'));
  await writeFile(join(dir, 'cut.tar'), full.subarray(0, 2048 + 100));
  await assert.rejects(OciArchiveReader.open(join(dir, 'cut.tar')), (e: unknown) => e instanceof OcipkgError && e.code === 'E_INVALID' && /truncated/.test(e.message));
  await writeFile(join(dir, 'text.tar'), Buffer.alloc(1024, 'x'));
  await assert.rejects(OciArchiveReader.open(join(dir, 'text.tar')), (e: unknown) => e instanceof OcipkgError && e.code === 'E_INVALID');
  await assert.rejects(OciArchiveReader.open(join(dir, 'absent.tar')), (e: unknown) => e instanceof OcipkgError && e.code === 'E_NOT_FOUND');
});

test('writing into an existing archive adds a tag and keeps the others; discard leaves it untouched', async () => {
  const dir = await tempDir();
  const path = join(dir, 'a.tar');
  let w = await OciArchiveWriter.open(path);
  const one = await randomArtifact(w, { tag: 'one' });
  await w.close();
  w = await OciArchiveWriter.open(path);
  const two = await randomArtifact(w, { tag: 'two' });
  await w.close();
  const r = await OciArchiveReader.open(path);
  assert.equal((await r.resolve('one')).digest, one.root.digest);
  assert.equal((await r.resolve('two')).digest, two.root.digest);
  await r.close();
  const before = await stat(path);
  const beforeBytes = await readFile(path);
  w = await OciArchiveWriter.open(path);
  await randomArtifact(w, { tag: 'three' });
  await w.discard();
  assert.ok((await readFile(path)).equals(beforeBytes));
  assert.equal((await stat(path)).mtimeMs, before.mtimeMs);
  assert.deepEqual(await readdir(dir), ['a.tar']);
});

test('skopeo reads what the archive writer wrote', async () => {
  const dir = await tempDir();
  const path = join(dir, 'a.tar');
  const w = await OciArchiveWriter.open(path);
  const art = await randomArtifact(w, { tag: 'v1' });
  await w.close();
  const { stdout } = await run('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci-archive:${path}:v1`]);
  assert.ok(art.blobs.get(art.root.digest)!.equals(Buffer.from(stdout)));
  await run('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci-archive:${path}:v1`, `oci:${join(dir, 'out')}:v1`]);
  await validateLayoutDir(join(dir, 'out'));
  const out = new OciLayoutStore(join(dir, 'out'));
  assert.equal((await out.resolve('v1')).digest, art.root.digest);
});
