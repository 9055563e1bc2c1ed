import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { MediaType } from '../../src/spec/mediatype.js';
import { ANNOTATION } from '../../src/spec/types.js';
import { makeTar, tgzLayer, writeArtifact } from '../helpers/artifacts.js';
import { runCli } from '../helpers/cli.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { skopeo, umoci } from '../helpers/tools.js';

let reg: Registry;
let dir: string;
/** A container image made by umoci (two layers) and pushed by skopeo to base/img:1. */
let baseLayers: string[];

before(async () => {
  reg = await startRegistry();
  dir = await tempDir();
  const src1 = join(dir, 'src1');
  const src2 = join(dir, 'src2');
  await mkdir(join(src1, 'etc'), { recursive: true });
  await mkdir(src2, { recursive: true });
  await writeFile(join(src1, 'etc', 'base.conf'), 'base\n');
  await writeFile(join(src2, 'second.txt'), 'second\n');
  const L = join(dir, 'L');
  await umoci(['init', '--layout', L]);
  await umoci(['new', '--image', `${L}:base`]);
  await umoci(['insert', '--rootless', '--image', `${L}:base`, src1, '/opt/base']);
  await umoci(['insert', '--rootless', '--image', `${L}:base`, src2, '/opt/second']);
  await skopeo(['copy', `oci:${L}:base`, `docker://${reg.host}/base/img:1`]);
  const m = JSON.parse(await skopeo(['inspect', '--raw', `docker://${reg.host}/base/img:1`]));
  baseLayers = m.layers.map((l: { digest: string }) => l.digest);
});
after(async () => {
  await reg?.stop();
});

test('append: a new layer on a skopeo-pushed image without fetching its layers; umoci unpacks base + new', async () => {
  const add = join(dir, 'add');
  await mkdir(join(add, 'lib'), { recursive: true });
  await writeFile(join(add, 'lib', 'libnew.so'), 'new');
  reg.resetRequests();
  const r = await runCli(['append', add, '--from', `${reg.host}/base/img:1`, '--tag', `${reg.host}/app/img:2`, '--root-dir', '/opt/app', '--uid', '1000', '--gid', '1000']);
  assert.equal(r.code, 0, r.stderr);
  await reg.settle();
  const log = reg.requests();
  for (const d of baseLayers) {
    assert.ok(!log.some((e) => e.method === 'GET' && e.path.includes(`/blobs/${d}`)), `base layer ${d} was downloaded`);
    assert.ok(log.some((e) => e.method === 'POST' && e.path.includes(`mount=${encodeURIComponent(d)}`) && e.status === 201), `base layer ${d} was not mounted`);
  }

  // The same into the base's own repository: the layers are simply there.
  reg.resetRequests();
  const same = await runCli(['append', add, '--from', `${reg.host}/base/img:1`, '--tag', `${reg.host}/base/img:2`]);
  assert.equal(same.code, 0, same.stderr);
  await reg.settle();
  assert.ok(!reg.requests().some((e) => e.method !== 'HEAD' && baseLayers.some((d) => e.path.includes(d))));

  const out = join(dir, 'appended');
  await skopeo(['copy', `docker://${reg.host}/app/img:2`, `oci:${out}:x`]);
  await umoci(['unpack', '--rootless', '--image', `${out}:x`, join(dir, 'bundle')]);
  const rootfs = join(dir, 'bundle', 'rootfs');
  assert.equal(await readFile(join(rootfs, 'opt/base/etc/base.conf'), 'utf8'), 'base\n');
  assert.equal(await readFile(join(rootfs, 'opt/second/second.txt'), 'utf8'), 'second\n');
  assert.equal(await readFile(join(rootfs, 'opt/app/lib/libnew.so'), 'utf8'), 'new');

  const manifest = JSON.parse(await skopeo(['inspect', '--raw', `docker://${reg.host}/app/img:2`]));
  const config = JSON.parse(await skopeo(['inspect', '--config', '--raw', `docker://${reg.host}/app/img:2`]));
  assert.equal(manifest.layers.length, 3);
  assert.deepEqual(manifest.layers.slice(0, 2).map((l: { digest: string }) => l.digest), baseLayers);
  assert.equal(config.rootfs.diff_ids.length, 3);
  assert.equal(config.history.length, 3);
  assert.equal(config.history[2].created_by, 'ocipkg append');
  // Every diff_id is the digest of that layer's uncompressed tar.
  for (const [i, l] of manifest.layers.entries()) {
    const blob = Buffer.from(execFileSync('curl', ['-sf', `${reg.url}/v2/app/img/blobs/${l.digest}`], { maxBuffer: 1 << 26 }));
    assert.equal(`sha256:${createHash('sha256').update(gunzipSync(blob)).digest('hex')}`, config.rootfs.diff_ids[i]);
  }
  const listing = execFileSync('tar', ['--numeric-owner', '-tvzf', '-'], { input: execFileSync('curl', ['-sf', `${reg.url}/v2/app/img/blobs/${manifest.layers[2].digest}`]) }).toString();
  assert.match(listing, /1000\/1000 .* opt\/app\/lib\/libnew\.so/);
});

test('pull: our build through the registry, a skopeo-pushed umoci image, an ocipkg-rs artifact, an ORAS artifact', async () => {
  // ocipkg build straight into the registry, then pulled back.
  const p = join(dir, 'prefix');
  await mkdir(join(p, 'include'), { recursive: true });
  await writeFile(join(p, 'include', 'x.h'), 'int x;\n');
  const b = await runCli(['build', join(p, 'include'), '--tag', `${reg.host}/built/x:1`]);
  assert.equal(b.code, 0, b.stderr);
  const o1 = join(dir, 'pull-built');
  const r1 = await runCli(['pull', `${reg.host}/built/x:1`, '-o', o1]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(await readFile(join(o1, 'include', 'x.h'), 'utf8'), 'int x;\n');

  // A container image: both layers applied.
  const o2 = join(dir, 'pull-image');
  const r2 = await runCli(['pull', `${reg.host}/base/img:1`, '-o', o2]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(await readFile(join(o2, 'opt/base/etc/base.conf'), 'utf8'), 'base\n');
  assert.equal(await readFile(join(o2, 'opt/second/second.txt'), 'utf8'), 'second\n');

  // ocipkg-rs: an oci-archive without oci-layout, its own layer and config media types.
  const rs = join(dir, 'rs-layout');
  const tarBytes = await makeTar([{ name: 'libhello.a', content: 'archive' }, { name: 'hello.h', content: 'void hello(void);' }]);
  await writeArtifact(rs, '0.1.0', [{ bytes: gzipSync(tarBytes), mediaType: MediaType.OcipkgRsLayerGzip }], {
    config: { bytes: Buffer.from('{"name":"hello","version":"0.1.0"}'), mediaType: MediaType.OcipkgRsConfig },
  });
  const rsArchive = join(dir, 'rs.tar');
  execFileSync('tar', ['-cf', rsArchive, '-C', rs, 'index.json', 'blobs']);
  const o3 = join(dir, 'pull-rs');
  const r3 = await runCli(['pull', `oci-archive:${rsArchive}`, '-o', o3]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(await readFile(join(o3, 'libhello.a'), 'utf8'), 'archive');
  assert.equal(await readFile(join(o3, 'hello.h'), 'utf8'), 'void hello(void);');

  // ORAS: empty config, a titled plain file and a titled directory marked for unpacking.
  const oras = join(dir, 'oras-layout');
  const dirLayer = await tgzLayer([{ name: 'docs/', type: 'directory' }, { name: 'docs/readme.md', content: '# hi' }]);
  await writeArtifact(
    oras,
    'v1',
    [
      { bytes: Buffer.from('plain file body'), mediaType: 'application/vnd.oci.image.layer.v1.tar', annotations: { [ANNOTATION.Title]: 'notes.txt' } },
      { bytes: Buffer.from('{"k":1}'), mediaType: 'application/json', annotations: { [ANNOTATION.Title]: 'data/config.json' } },
      { ...dirLayer, annotations: { [ANNOTATION.Title]: 'docs', [ANNOTATION.OrasUnpack]: 'true' } },
    ],
    { artifactType: 'application/vnd.example.thing', config: { bytes: Buffer.from('{}'), mediaType: MediaType.Empty } },
  );
  const o4 = join(dir, 'pull-oras');
  const r4 = await runCli(['pull', `oci:${oras}:v1`, '-o', o4]);
  assert.equal(r4.code, 0, r4.stderr);
  assert.equal(await readFile(join(o4, 'notes.txt'), 'utf8'), 'plain file body');
  assert.equal(await readFile(join(o4, 'data', 'config.json'), 'utf8'), '{"k":1}');
  assert.equal(await readFile(join(o4, 'docs', 'readme.md'), 'utf8'), '# hi');
});

test('publish --dry-run shows what it would push and pushes nothing; publish pushes what pull gets back', async () => {
  const pkg = join(dir, 'pkg');
  for (const [plat, body] of [['linux-x64', 'amd64 lib'], ['linux-arm64', 'arm64 lib']] as const) {
    await mkdir(join(pkg, 'dist', plat, 'lib'), { recursive: true });
    await writeFile(join(pkg, 'dist', plat, 'lib', 'libp.so'), body);
  }
  await mkdir(join(pkg, 'include'), { recursive: true });
  await writeFile(join(pkg, 'include', 'p.h'), 'int p;');
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: 'p',
      version: '1.2.3',
      repository: { type: 'git', url: 'git+https://example.com/p.git' },
      ocipkg: { image: `${reg.host}/pub/p`, publish: { platforms: { 'linux/amd64': 'dist/linux-x64', 'linux/arm64': 'dist/linux-arm64' }, files: ['include'] } },
    }),
  );
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: pkg }).toString().trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'init');
  const short = git('rev-parse', '--short', 'HEAD');

  reg.resetRequests();
  const dry = await runCli(['publish', '--dry-run'], { cwd: pkg });
  assert.equal(dry.code, 0, dry.stderr);
  const lines = dry.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^${reg.host}/pub/p:1\\.2\\.3@sha256:[0-9a-f]{64}$`));
  assert.match(lines[1]!, new RegExp(`^${reg.host}/pub/p:${short}@sha256:`));
  await reg.settle();
  assert.deepEqual(reg.requests().filter((e) => e.method !== 'GET' && e.method !== 'HEAD'), []);

  const real = await runCli(['publish'], { cwd: pkg });
  assert.equal(real.code, 0, real.stderr);
  assert.equal(real.stdout, dry.stdout, 'the dry run names the same digest');
  const tags = (await runCli(['tags', `${reg.host}/pub/p`])).stdout.trim().split('\n').sort();
  assert.deepEqual(tags, [short, '1.2.3'].sort());
  const out = join(dir, 'pub-out');
  const r = await runCli(['pull', `${reg.host}/pub/p:1.2.3`, '--platform', 'linux/arm64', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(out, 'lib', 'libp.so'), 'utf8'), 'arm64 lib');
  assert.equal(await readFile(join(out, 'include', 'p.h'), 'utf8'), 'int p;');
  const index = JSON.parse(await skopeo(['inspect', '--raw', `docker://${reg.host}/pub/p:${short}`]));
  assert.equal(index.annotations['org.opencontainers.image.version'], '1.2.3');
  assert.equal(index.annotations['org.opencontainers.image.source'], 'https://example.com/p.git');
});

test('append onto a base that recorded no history: history gets one entry per base layer, then the new one', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'a'));
  await writeFile(join(dir, 'a', 'x'), 'a');
  await mkdir(join(dir, 'b'));
  await writeFile(join(dir, 'b', 'y'), 'b');
  const built = await runCli(['build', join(dir, 'a'), '--tag', `oci:${join(dir, 'l')}:1`]);
  assert.equal(built.code, 0, built.stderr);
  const before = JSON.parse((await runCli(['inspect', '--config', `oci:${join(dir, 'l')}:1`])).stdout);
  assert.equal(before.history, undefined, 'the base has no history');
  const appended = await runCli(['append', join(dir, 'b'), '--from', `oci:${join(dir, 'l')}:1`, '--tag', `oci:${join(dir, 'l')}:2`]);
  assert.equal(appended.code, 0, appended.stderr);
  const after = JSON.parse((await runCli(['inspect', '--config', `oci:${join(dir, 'l')}:2`])).stdout);
  assert.equal(after.rootfs.diff_ids.length, 2);
  assert.equal(after.history.length, 2, 'history and layers stay in step');
  assert.match(after.history[0].created_by, /base recorded no history/);
  assert.equal(after.history[1].created_by, 'ocipkg append');
});
