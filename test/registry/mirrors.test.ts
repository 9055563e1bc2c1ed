import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTransport } from '../../src/content/registry/transport.js';
import { RegistryStore } from '../../src/content/registry/store.js';
import { buildManifest, descriptorFor } from '../../src/spec/build.js';
import { Readable } from 'node:stream';
import { MediaType } from '../../src/spec/mediatype.js';
import { runCli } from '../helpers/cli.js';
import { startProxy } from '../helpers/proxy.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

let origin: Registry;
let mirror: Registry;
let dir: string;
const PASSWORD = 'origin-secret-4711';

before(async () => {
  [origin, mirror] = await Promise.all([startRegistry({ auth: { user: 'alice', password: PASSWORD } }), startRegistry()]);
  dir = await tempDir();
  await mkdir(join(dir, 'files'), { recursive: true });
  await writeFile(join(dir, 'files', 'data.bin'), randomBytes(4096));
});
after(async () => {
  await Promise.all([origin?.stop(), mirror?.stop()]);
});

const docker = () => ({ DOCKER_CONFIG: join(dir, 'docker'), HOME: dir, REGISTRY_AUTH_FILE: '', XDG_RUNTIME_DIR: '' });

test('OCIPKG_MIRRORS: a registry mirror serves first (and never sees the origin credentials); a mirror without the image falls back', async () => {
  const login = await runCli(['login', origin.host, '-u', 'alice', '--password-stdin'], { env: docker(), input: PASSWORD });
  assert.equal(login.code, 0, login.stderr);
  const built = await runCli(['build', join(dir, 'files'), '--tag', `${origin.host}/lib/m:1.0.0`], { env: docker() });
  assert.equal(built.code, 0, built.stderr);
  const vendored = await runCli(['copy', `${origin.host}/lib/m:1.0.0`, `${mirror.host}/cache/lib/m:1.0.0`], { env: docker() });
  assert.equal(vendored.code, 0, vendored.stderr);

  const proxy = await startProxy(mirror.url, () => undefined);
  try {
    const env = { ...docker(), OCIPKG_MIRRORS: `${origin.host}=${proxy.host}/cache` };
    origin.resetRequests();
    const r = await runCli(['pull', `${origin.host}/lib/m:1.0.0`, '-o', join(dir, 'out1')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readFile(join(dir, 'out1', 'files', 'data.bin'))).equals(await readFile(join(dir, 'files', 'data.bin'))));
    await origin.settle();
    assert.deepEqual(origin.requests(), [], 'everything came from the mirror');
    assert.ok(proxy.seen.some((s) => s.url.startsWith('/v2/cache/lib/m/blobs/')));
    assert.ok(proxy.seen.every((s) => !s.headers.authorization), 'the origin credentials never reach the mirror');

    // Not on the mirror: the origin answers.
    const other = await runCli(['build', join(dir, 'files'), '--tag', `${origin.host}/lib/other:2`], { env: docker() });
    assert.equal(other.code, 0, other.stderr);
    origin.resetRequests();
    const r2 = await runCli(['pull', `${origin.host}/lib/other:2`, '-o', join(dir, 'out2')], { env });
    assert.equal(r2.code, 0, r2.stderr);
    await origin.settle();
    assert.ok(origin.requests().some((e) => e.method === 'GET' && e.path.startsWith('/v2/lib/other/blobs/')));
  } finally {
    await proxy.close();
  }
});

test('an oci: layout mirror vendors artifacts for an air-gapped install (the origin is unreachable)', async () => {
  const vendor = join(dir, 'vendor');
  const built = await runCli(['build', join(dir, 'files'), '--tag', `${mirror.host}/lib/air:1.2.0`]);
  assert.equal(built.code, 0, built.stderr);
  const v = await runCli(['copy', `${mirror.host}/lib/air:1.2.0`, `oci:${join(vendor, 'lib', 'air')}:1.2.0`]);
  assert.equal(v.code, 0, v.stderr);
  // Port 9 on loopback: nothing listens there.
  const unreachable = '127.0.0.1:9';
  const p = join(dir, 'airgapped');
  await mkdir(p);
  await writeFile(join(p, 'package.json'), JSON.stringify({ name: 'x', ocipkg: { image: `${unreachable}/lib/air`, version: '^1' } }));
  const r = await runCli(['install'], { cwd: p, env: { OCIPKG_MIRRORS: `${unreachable}=oci:${vendor}`, OCIPKG_CACHE_DIR: join(dir, 'cache') } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^air: 127\.0\.0\.1:9\/lib\/air:1\.2\.0 → sha256:/);
  const bad = await runCli(['pull', `${unreachable}/lib/x`], { env: { OCIPKG_MIRRORS: 'nonsense' } });
  assert.equal(bad.code, 9);
  assert.match(bad.stderr, /OCIPKG_MIRRORS: "nonsense" is not REGISTRY=MIRROR/);
});

test('inspect --referrers lists artifacts whose subject is the image (tag-schema fallback on this registry)', async () => {
  const store = new RegistryStore(createTransport(mirror.host), 'lib/ref');
  const config = { mediaType: MediaType.Empty, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
  await store.push(config, Readable.from([Buffer.from('{}')]));
  const layerBytes = Buffer.from('payload');
  const layer = descriptorFor(layerBytes, 'application/octet-stream');
  await store.push(layer, Readable.from([layerBytes]));
  const subject = buildManifest({ config, layers: [layer], artifactType: 'application/vnd.example.main' });
  await store.push(subject.descriptor, Readable.from([subject.bytes]));
  await store.tag(subject.descriptor, 'v1');
  for (const type of ['application/vnd.example.sbom', 'application/vnd.example.sig']) {
    const ref = buildManifest({ config, layers: [layer], artifactType: type, subject: subject.descriptor, annotations: { 'org.example': type } });
    await store.push(ref.descriptor, Readable.from([ref.bytes]));
  }
  await store.close();
  const r = await runCli(['inspect', '--referrers', `${mirror.host}/lib/ref:v1`]);
  assert.equal(r.code, 0, r.stderr);
  const index = JSON.parse(r.stdout);
  assert.deepEqual(index.manifests.map((m: { artifactType: string }) => m.artifactType).sort(), ['application/vnd.example.sbom', 'application/vnd.example.sig']);
  const only = JSON.parse((await runCli(['inspect', '--referrers', '--artifact-type', 'application/vnd.example.sig', `${mirror.host}/lib/ref:v1`])).stdout);
  assert.equal(only.manifests.length, 1);
  // The same through a copy into a layout (the referrers are listed in its index.json).
  const layout = join(dir, 'ref-layout');
  for (const m of index.manifests as { digest: string }[]) assert.equal((await runCli(['copy', `${mirror.host}/lib/ref@${m.digest}`, `oci:${layout}`])).code, 0);
  assert.equal((await runCli(['copy', `${mirror.host}/lib/ref:v1`, `oci:${layout}:v1`])).code, 0);
  const fromLayout = JSON.parse((await runCli(['inspect', '--referrers', `oci:${layout}:v1`])).stdout);
  assert.equal(fromLayout.manifests.length, 2);
});
