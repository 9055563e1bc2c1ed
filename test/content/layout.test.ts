import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { LayoutReader } from '../../src/content/layout/reader.js';
import { DirectorySource } from '../../src/content/layout/source.js';
import { readAll } from '../../src/content/fetch-bytes.js';
import { OcipkgError } from '../../src/errors.js';
import { runStoreConformance } from './conformance.js';
import { randomArtifact } from '../helpers/random.js';
import { validateLayoutDir } from '../helpers/validate.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ocipkg-layout-'));
  dirs.push(d);
  return d;
}

runStoreConformance('oci layout', async () => {
  const dir = join(await tempDir(), 'layout');
  const writer = new OciLayoutStore(dir);
  return {
    writer,
    reopen: async () => {
      await validateLayoutDir(dir);
      return new OciLayoutStore(dir);
    },
    cleanup: async () => {},
  };
});

test('a malformed index.json is named in the error', async () => {
  const dir = await tempDir();
  const store = new OciLayoutStore(dir);
  await randomArtifact(store, { tag: 'x' });
  await writeFile(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:00","size":1}]}');
  await assert.rejects(new OciLayoutStore(dir).resolve('x'), (err: unknown) => {
    assert.ok(err instanceof OcipkgError);
    assert.equal(err.code, 'E_INVALID');
    assert.equal(err.message, `${dir}/index.json.manifests[0].digest: "sha256:00" is not a valid digest`);
    return true;
  });
  await writeFile(join(dir, 'index.json'), '{not json');
  await assert.rejects(new OciLayoutStore(dir).resolve('x'), /index\.json: not valid JSON/);
});

test('a corrupted blob is caught when read', async () => {
  const dir = await tempDir();
  const store = new OciLayoutStore(dir);
  const art = await randomArtifact(store, { tag: 'x' });
  const [digest, bytes] = [...art.blobs].find(([, b]) => b.length > 100)!;
  const path = join(dir, 'blobs', 'sha256', digest.slice(7));
  const corrupt = Buffer.from(bytes);
  corrupt[10] = corrupt[10]! ^ 0xff;
  await writeFile(path, corrupt);
  const s = await store.fetch({ mediaType: 'x/y', digest, size: bytes.length });
  await assert.rejects(readAll(s, 1 << 20, digest), (err: unknown) => err instanceof OcipkgError && err.code === 'E_DIGEST_MISMATCH' && err.message.includes(digest));
});

test('several manifests without a tag: the error lists them', async () => {
  const dir = await tempDir();
  const store = new OciLayoutStore(dir);
  await randomArtifact(store, { tag: 'one' });
  await randomArtifact(store, { tag: 'two' });
  await assert.rejects(store.resolve(undefined), /holds 2 manifests, name one with :TAG \(one, two\)/);
  // A long list is cut short: the message stays one readable line.
  const first = await store.resolve('one');
  for (let i = 0; i < 20; i++) await store.tag(first, `t${i}`);
  await assert.rejects(store.resolve(undefined), (err: unknown) => err instanceof OcipkgError && /holds 22 manifests, name one with :TAG \(one, two, t0, .*, … \(12 more\)\)$/.test(err.message) && err.message.length < 200);
  await assert.rejects(new LayoutReader(new DirectorySource(join(dir, 'nothing')), 'oci:nothing').resolve('x'), (err: unknown) => err instanceof OcipkgError && err.code === 'E_NOT_FOUND');
});

test('a failed push leaves no temp file', async () => {
  const dir = await tempDir();
  const store = new OciLayoutStore(dir);
  await randomArtifact(store, {});
  const desc = { mediaType: 'a/b', digest: 'sha256:' + '1'.repeat(64), size: 3 };
  await assert.rejects(store.push(desc, Readable.from([Buffer.from('abc')])));
  assert.deepEqual((await readdir(join(dir, 'blobs', 'sha256'))).filter((n) => n.startsWith('.')), []);
  await validateLayoutDir(dir);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.manifests.length, 1);
});
