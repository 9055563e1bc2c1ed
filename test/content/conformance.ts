import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ReadableStore, Store } from '../../src/content/store.js';
import { readAll } from '../../src/content/fetch-bytes.js';
import { descriptorFor } from '../../src/spec/build.js';
import { digestOf } from '../../src/spec/digest.js';
import { MediaType } from '../../src/spec/mediatype.js';
import { OcipkgError } from '../../src/errors.js';
import { randomArtifact } from './../helpers/random.js';
import { validateGraph } from './../helpers/validate.js';

/**
 * One suite for every Store implementation. `factory` gives a fresh, empty store to write to;
 * `reopen` gives a reader over what was written (for stores that commit on close, like
 * oci-archive, it closes the writer first).
 */
export interface StoreUnderTest {
  writer: Store;
  reopen(): Promise<ReadableStore>;
  cleanup(): Promise<void>;
}

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof OcipkgError, `expected OcipkgError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes('\n'), 'message is one line');
    return true;
  };
}

export function runStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`store conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups) await c();
    });
    const fresh = async () => {
      const s = await factory();
      cleanups.push(s.cleanup);
      return s;
    };

    it('stores an image and reads it back by tag, digest and default', async () => {
      const s = await fresh();
      const art = await randomArtifact(s.writer, { tag: 'v1' });
      const r = await s.reopen();
      assert.deepEqual((await r.resolve('v1')).digest, art.root.digest);
      assert.equal((await r.resolve(art.root.digest)).digest, art.root.digest);
      assert.equal((await r.resolve(art.root.digest)).mediaType, MediaType.ImageManifest);
      assert.ok((await r.listTags()).includes('v1'));
      assert.equal(await validateGraph(r, art.root), art.blobs.size);
      for (const [digest, bytes] of art.blobs) {
        const desc = art.descriptors.get(digest)!;
        const got = await readAll(await r.fetch(desc), 1 << 30, digest);
        assert.ok(got.equals(bytes), `blob ${digest} round-trips`);
        assert.ok(await r.exists(desc));
      }
    });

    it('stores a multi-platform index', async () => {
      const s = await fresh();
      const art = await randomArtifact(s.writer, {
        tag: 'multi',
        platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
      });
      const r = await s.reopen();
      const root = await r.resolve('multi');
      assert.equal(root.mediaType, MediaType.ImageIndex);
      assert.equal(await validateGraph(r, root), art.blobs.size);
    });

    it('moves a tag when it is written again', async () => {
      const s = await fresh();
      const a = await randomArtifact(s.writer, { tag: 't' });
      const b = await randomArtifact(s.writer, { tag: 't' });
      assert.notEqual(a.root.digest, b.root.digest);
      const r = await s.reopen();
      assert.equal((await r.resolve('t')).digest, b.root.digest);
    });

    it('refuses a blob whose bytes do not match and keeps nothing of it', async () => {
      const s = await fresh();
      await randomArtifact(s.writer, { tag: 'base' });
      const good = Buffer.from('the right bytes');
      const desc = descriptorFor(good, 'application/octet-stream');
      await assert.rejects(s.writer.push(desc, Readable.from([Buffer.from('the wrong bytes')])), rejectsWith('E_DIGEST_MISMATCH'));
      await assert.rejects(s.writer.push(desc, Readable.from([good.subarray(0, 5)])), rejectsWith('E_DIGEST_MISMATCH'));
      await assert.rejects(s.writer.push(desc, Readable.from([good, Buffer.from('more')])), rejectsWith('E_DIGEST_MISMATCH'));
      await assert.rejects(s.writer.push({ ...desc, size: desc.size + 1 }, Readable.from([good])), rejectsWith('E_DIGEST_MISMATCH'));
      const broken = new Readable({ read() { this.destroy(new Error('connection lost')); } });
      await assert.rejects(s.writer.push(desc, broken));
      assert.equal(await s.writer.exists(desc), false);
      const r = await s.reopen();
      assert.equal(await r.exists(desc), false);
      await assert.rejects(r.fetch(desc), rejectsWith('E_NOT_FOUND'));
    });

    it('says not found for an unknown tag, digest or blob', async () => {
      const s = await fresh();
      await randomArtifact(s.writer, { tag: 'here' });
      const r = await s.reopen();
      await assert.rejects(r.resolve('nope'), (err: unknown) => rejectsWith('E_NOT_FOUND')(err) && (err as Error).message.includes('nope'));
      await assert.rejects(r.resolve(digestOf('absent')), rejectsWith('E_NOT_FOUND'));
      const missing = descriptorFor(Buffer.from('absent'), 'application/octet-stream');
      await assert.rejects(r.fetch(missing), (err: unknown) => rejectsWith('E_NOT_FOUND')(err) && (err as Error).message.includes(missing.digest));
    });
  });
}
