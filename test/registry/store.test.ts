import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { runStoreConformance } from '../content/conformance.js';
import { RegistryStore } from '../../src/content/registry/store.js';
import { createTransport } from '../../src/content/registry/transport.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { copy } from '../../src/copy.js';
import { randomArtifact } from '../helpers/random.js';
import { validateGraph } from '../helpers/validate.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';
import { skopeo } from '../helpers/tools.js';
import { fetchBytes } from '../../src/content/fetch-bytes.js';
import { Readable } from 'node:stream';
import { descriptorFor } from '../../src/spec/build.js';
import { randomBytes } from 'node:crypto';
import { readAll } from '../../src/content/fetch-bytes.js';
import { startProxy } from '../helpers/proxy.js';

let reg: Registry;
before(async () => {
  reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
});

let n = 0;
const store = (repo = `conf/r${n++}`) => new RegistryStore(createTransport(reg.host), repo);

runStoreConformance('registry', async () => {
  const s = store();
  return { writer: s, reopen: async () => store(s.repository), cleanup: async () => {} };
});

test('oci → registry → oci-archive → registry (other repo): byte-identical manifests, skopeo agrees', async () => {
  const dir = await tempDir();
  const art = await randomArtifact(new OciLayoutStore(join(dir, 'src')), {
    tag: 'v1',
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
  });
  const steps = [
    [`oci:${join(dir, 'src')}:v1`, `${reg.host}/round/a:1.0`],
    [`${reg.host}/round/a:1.0`, `oci-archive:${join(dir, 'a.tar')}:x`],
    [`oci-archive:${join(dir, 'a.tar')}:x`, `${reg.host}/round/b:2.0`],
  ];
  for (const [src, dst] of steps) {
    const r = await runCli(['copy', src!, dst!]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), art.root.digest);
  }
  const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/round/b:2.0`]);
  assert.ok(Buffer.from(raw).equals(art.blobs.get(art.root.digest)!), 'skopeo sees the same index bytes');
  const b = store('round/b');
  assert.equal(await validateGraph(b, await b.resolve('2.0')), art.blobs.size);
  // narrowing to one platform
  const r = await runCli(['copy', '--platform', 'linux/arm64', `${reg.host}/round/b:2.0`, `oci:${join(dir, 'arm')}:only`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), art.manifests[1]!.digest);
});

test('skopeo-pushed images are pulled; a second push uploads nothing; same-registry copies mount', async () => {
  const dir = await tempDir();
  const art = await randomArtifact(new OciLayoutStore(join(dir, 'src')), { tag: 'v1', layers: 3, layerSize: 50_000 });
  await skopeo(['copy', '--preserve-digests', `oci:${join(dir, 'src')}:v1`, `docker://${reg.host}/sk/img:1`]);
  const pulled = await runCli(['copy', `${reg.host}/sk/img:1`, `oci:${join(dir, 'pulled')}:1`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.stdout.trim(), art.root.digest);

  const first = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${reg.host}/mine/img:1`]);
  assert.equal(first.code, 0, first.stderr);
  await reg.settle();
  reg.resetRequests();
  const second = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${reg.host}/mine/img:1`]);
  assert.equal(second.code, 0, second.stderr);
  await reg.settle();
  const uploads = reg.requests().filter((r) => r.method === 'POST' || r.method === 'PATCH' || (r.method === 'PUT' && r.path.includes('/blobs/')));
  assert.deepEqual(uploads, [], 'no blob uploaded the second time');

  reg.resetRequests();
  const mounted = await runCli(['copy', `${reg.host}/mine/img:1`, `${reg.host}/other/img:1`]);
  assert.equal(mounted.code, 0, mounted.stderr);
  await reg.settle();
  const log = reg.requests();
  const mounts = log.filter((r) => r.method === 'POST' && r.path.includes('mount=') && r.status === 201);
  assert.equal(mounts.length, 4, `config + 3 layers mounted:\n${log.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n')}`);
  assert.equal(log.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length, 0, 'no blob downloaded for a mount');
  assert.equal(log.filter((r) => r.method === 'PATCH').length, 0);
  const info = JSON.parse(await skopeo(['inspect', `docker://${reg.host}/other/img:1`]));
  assert.equal(info.Layers.length, 3);
});

test('big blobs go up in chunks and come back whole', async () => {
  const s = new RegistryStore(createTransport(reg.host), 'chunked/x', { monolithicMax: 100_000, chunkSize: 64 * 1024 });
  const data = randomBytes(300_000);
  const desc = descriptorFor(data, 'application/octet-stream');
  reg.resetRequests();
  await s.push(desc, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
  await reg.settle();
  assert.equal(reg.requests().filter((r) => r.method === 'PATCH').length, 5);
  const back = await readAll(await store('chunked/x').fetch(desc), 1 << 20, 'x');
  assert.ok(back.equals(data));
  // a wrong stream is refused before the registry stores it
  const bad = descriptorFor(randomBytes(200_000), 'application/octet-stream');
  await assert.rejects(s.push(bad, Readable.from([randomBytes(200_000)])), /digest mismatch/);
  assert.equal(await s.exists(bad), false);
});

test('uploads are one streamed PUT unless OCIPKG_UPLOAD_CHUNK_SIZE asks for chunks', async () => {
  const dir = await tempDir();
  const { writeFile, mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'f'));
  await writeFile(join(dir, 'f', 'blob.bin'), randomBytes(2.5 * 1024 * 1024));
  const built = await runCli(['build', join(dir, 'f'), '--tag', `oci:${join(dir, 'l')}:1`]);
  assert.equal(built.code, 0, built.stderr);
  reg.resetRequests();
  const one = await runCli(['copy', `oci:${join(dir, 'l')}:1`, `${reg.host}/upload/whole:1`]);
  assert.equal(one.code, 0, one.stderr);
  await reg.settle();
  assert.equal(reg.requests().filter((r) => r.method === 'PATCH').length, 0);
  assert.equal(reg.requests().filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length, 2);
  reg.resetRequests();
  const chunked = await runCli(['copy', `oci:${join(dir, 'l')}:1`, `${reg.host}/upload/chunked:1`], { env: { OCIPKG_UPLOAD_CHUNK_SIZE: '1' } });
  assert.equal(chunked.code, 0, chunked.stderr);
  await reg.settle();
  assert.equal(reg.requests().filter((r) => r.method === 'PATCH').length, 3, 'a 2.5 MiB layer in 1 MiB chunks (the config is tiny: one chunk)' );
  const bad = await runCli(['copy', `oci:${join(dir, 'l')}:1`, `${reg.host}/upload/bad:1`], { env: { OCIPKG_UPLOAD_CHUNK_SIZE: 'lots' } });
  assert.equal(bad.code, 9);
  assert.match(bad.stderr, /OCIPKG_UPLOAD_CHUNK_SIZE: "lots" is not a whole number of MiB/);
});

test('tags are listed across pages', async () => {
  const s = store('paged/x');
  const dir = await tempDir();
  const art = await randomArtifact(new OciLayoutStore(dir), { tag: 't' });
  await copy(new OciLayoutStore(dir), 't', s, 'base');
  const manifest = await fetchBytes(s, art.root);
  const names = Array.from({ length: 25 }, (_, i) => `v${i}`);
  for (const t of names) await s.tag({ ...art.root }, t);
  assert.ok(manifest.length > 0);
  // distribution 2.8 ignores `n` on tags/list; a proxy pages its real answer the way newer
  // registries (and ghcr.io, Docker Hub) do, with a Link header to the next page.
  const pager = await startProxy(reg.url, (req) => {
    if (!req.url?.includes('/tags/list')) return undefined;
    const u = new URL(req.url, 'http://x');
    const n = Number(u.searchParams.get('n') ?? 1000);
    const last = u.searchParams.get('last');
    return {
      rewrite: (status, headers, body) => {
        const all = (JSON.parse(body.toString()).tags as string[]).sort();
        const from = last ? all.indexOf(last) + 1 : 0;
        const page = all.slice(from, from + n);
        const out = { ...headers };
        if (from + n < all.length) out.link = `</v2/paged/x/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
        return { status, headers: out, body: Buffer.from(JSON.stringify({ name: 'paged/x', tags: page })) };
      },
    };
  });
  try {
    const small = new RegistryStore(createTransport(pager.host), 'paged/x', { tagPageSize: 10 });
    assert.deepEqual((await small.listTags()).sort(), [...names, 'base'].sort());
    assert.equal(pager.seen.filter((r) => r.url.includes('/tags/list')).length, 3, 'three pages of 10');
  } finally {
    await pager.close();
  }
  const tags = await runCli(['tags', `${reg.host}/paged/x`]);
  assert.equal(tags.code, 0, tags.stderr);
  assert.deepEqual(tags.stdout.trim().split('\n').sort(), [...names, 'base'].sort());
});
