import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readlink, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { runCli, runLink } from '../helpers/cli.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { skopeo } from '../helpers/tools.js';
import { validateGraph, validateLayoutDir } from '../helpers/validate.js';

/**
 * Docker schema 2 (v2s2) manifests and manifest lists, as skopeo writes them when converting:
 * ocipkg builds OCI artifacts, skopeo converts them into the test's own registry with
 * `--format v2s2`, and ocipkg must read, copy, pull, append to and install what is there.
 */

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
}
interface DockerManifest {
  schemaVersion: number;
  mediaType: string;
  config: Desc;
  layers: Desc[];
}
interface DockerList {
  schemaVersion: number;
  mediaType: string;
  manifests: Desc[];
}

let reg: Registry;
let dir: string;
/** The image names in the registry: a single v2s2 manifest, and a v2s2 list of two. */
let single: string;
let list: string;
/** The raw bytes the registry holds, as skopeo reads them. */
let singleRaw: string;
let listRaw: string;
const childRaw: Record<'amd64' | 'arm64', string> = { amd64: '', arm64: '' };
const childDigest: Record<'amd64' | 'arm64', string> = { amd64: '', arm64: '' };

const sha256 = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** An install prefix: a header, a versioned library and its unversioned symlink. */
async function prefix(path: string, arch: string): Promise<string> {
  await mkdir(join(path, 'include'), { recursive: true });
  await mkdir(join(path, 'lib'), { recursive: true });
  await writeFile(join(path, 'include', 'x.h'), 'int x(void);\n');
  await writeFile(join(path, 'lib', 'libx.so.1'), `${arch} build of libx\n`);
  await symlink('libx.so.1', join(path, 'lib', 'libx.so'));
  return path;
}

/** The Content-Type the registry answers a manifest with (what it stored the manifest as). */
async function servedType(ref: string): Promise<string | null> {
  const [repo, tag] = ref.slice(reg.host.length + 1).split(':');
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: [DOCKER_LIST, DOCKER_MANIFEST, 'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json'].join(', ') },
  });
  assert.equal(res.status, 200, `HEAD ${ref}`);
  return res.headers.get('content-type');
}

/**
 * What `ocipkg inspect` prints for a layout. (skopeo 1.9 cannot be the judge here: it only looks
 * at index.json entries with OCI media types, and a byte-exact copy keeps the Docker ones.)
 */
async function inspectRaw(ref: string): Promise<string> {
  const r = await runCli(['inspect', ref]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd();
}

async function assertPrefix(path: string, arch: string): Promise<void> {
  assert.equal(await readFile(join(path, 'include', 'x.h'), 'utf8'), 'int x(void);\n');
  assert.equal(await readFile(join(path, 'lib', 'libx.so.1'), 'utf8'), `${arch} build of libx\n`);
  assert.equal(await readlink(join(path, 'lib', 'libx.so')), 'libx.so.1');
}

before(async () => {
  reg = await startRegistry();
  dir = await tempDir('ocipkg-v2s2-');
  const amd = await prefix(join(dir, 'amd64'), 'amd64');
  const arm = await prefix(join(dir, 'arm64'), 'arm64');
  const layout = join(dir, 'built');
  // gzip layers (the default): a v2s2 conversion has no other compressed layer type.
  const b1 = await runCli(['build', `${amd}/`, '--platform', 'linux/amd64', '--tag', `oci:${layout}:single`]);
  assert.equal(b1.code, 0, b1.stderr);
  const b2 = await runCli(['build', '--platform', `linux/amd64=${amd}`, '--platform', `linux/arm64=${arm}`, '--tag', `oci:${layout}:multi`]);
  assert.equal(b2.code, 0, b2.stderr);

  single = `${reg.host}/docker/single:v1`;
  list = `${reg.host}/docker/list:v1`;
  await skopeo(['copy', '--format', 'v2s2', `oci:${layout}:single`, `docker://${single}`]);
  await skopeo(['copy', '--all', '--format', 'v2s2', `oci:${layout}:multi`, `docker://${list}`]);
  singleRaw = await skopeo(['inspect', '--raw', `docker://${single}`]);
  listRaw = await skopeo(['inspect', '--raw', `docker://${list}`]);
  for (const m of (JSON.parse(listRaw) as DockerList).manifests) {
    const arch = m.platform!.architecture as 'amd64' | 'arm64';
    childDigest[arch] = m.digest;
    childRaw[arch] = await skopeo(['inspect', '--raw', `docker://${reg.host}/docker/list@${m.digest}`]);
  }
});
after(async () => {
  await reg?.stop();
});

test('the fixture is really Docker schema 2: skopeo converted manifest, list, config and layer types', async () => {
  const m = JSON.parse(singleRaw) as DockerManifest;
  assert.equal(m.schemaVersion, 2);
  assert.equal(m.mediaType, DOCKER_MANIFEST);
  assert.equal(m.config.mediaType, DOCKER_CONFIG);
  assert.deepEqual(m.layers.map((l) => l.mediaType), [DOCKER_LAYER]);
  assert.equal(await servedType(single), DOCKER_MANIFEST);

  const l = JSON.parse(listRaw) as DockerList;
  assert.equal(l.mediaType, DOCKER_LIST);
  assert.deepEqual(l.manifests.map((d) => [d.mediaType, `${d.platform?.os}/${d.platform?.architecture}`]), [
    [DOCKER_MANIFEST, 'linux/amd64'],
    [DOCKER_MANIFEST, 'linux/arm64'],
  ]);
  assert.equal(await servedType(list), DOCKER_LIST);
  for (const arch of ['amd64', 'arm64'] as const) {
    assert.equal(sha256(childRaw[arch]), childDigest[arch]);
    const c = JSON.parse(childRaw[arch]) as DockerManifest;
    assert.equal(c.mediaType, DOCKER_MANIFEST);
    assert.equal(c.config.mediaType, DOCKER_CONFIG);
    assert.deepEqual(c.layers.map((x) => x.mediaType), [DOCKER_LAYER]);
  }
});

test('inspect prints v2s2 manifests and lists byte for byte, the config, a digest reference and --platform narrowing', async () => {
  const s = await runCli(['inspect', single]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout.trimEnd(), singleRaw);

  const c = await runCli(['inspect', '--config', single]);
  assert.equal(c.code, 0, c.stderr);
  const config = JSON.parse(c.stdout) as { architecture: string; os: string; rootfs: { type: string; diff_ids: string[] } };
  assert.equal(config.os, 'linux');
  assert.equal(config.architecture, 'amd64');
  assert.equal(config.rootfs.type, 'layers');
  assert.equal(config.rootfs.diff_ids.length, 1);
  const configRaw = await skopeo(['inspect', '--raw', '--config', `docker://${single}`]);
  assert.equal(c.stdout.trimEnd(), configRaw.trimEnd());

  const l = await runCli(['inspect', list]);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(l.stdout.trimEnd(), listRaw);

  const arm = await runCli(['inspect', '--platform', 'linux/arm64', list]);
  assert.equal(arm.code, 0, arm.stderr);
  assert.equal(arm.stdout.trimEnd(), childRaw.arm64);
  const armConfig = await runCli(['inspect', '--config', '--platform', 'linux/arm64', list]);
  assert.equal(armConfig.code, 0, armConfig.stderr);
  assert.equal(JSON.parse(armConfig.stdout).architecture, 'arm64');

  const byDigest = await runCli(['inspect', `${reg.host}/docker/list@${childDigest.amd64}`]);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.equal(byDigest.stdout.trimEnd(), childRaw.amd64);

  const none = await runCli(['inspect', '--platform', 'linux/riscv64', list]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /^ocipkg: no build for linux\/riscv64 .*linux\/amd64, linux\/arm64\n$/);
});

test('copy of a v2s2 manifest to an oci: layout keeps the bytes, digest and Docker media type; and it goes back unchanged', async () => {
  const out = join(dir, 'copy-single');
  const r = await runCli(['copy', single, `oci:${out}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), sha256(singleRaw));
  await validateLayoutDir(out);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: (Desc & { annotations?: Record<string, string> })[] };
  assert.equal(index.manifests.length, 1);
  assert.equal(index.manifests[0]!.mediaType, DOCKER_MANIFEST);
  assert.equal(index.manifests[0]!.digest, sha256(singleRaw));
  assert.equal(index.manifests[0]!.size, Buffer.byteLength(singleRaw));
  assert.equal(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name'], 'v1');
  assert.equal(await readFile(join(out, 'blobs', 'sha256', sha256(singleRaw).slice(7)), 'utf8'), singleRaw);
  assert.equal(await inspectRaw(`oci:${out}:v1`), singleRaw);
  const store = new OciLayoutStore(out);
  assert.equal(await validateGraph(store, await store.resolve('v1')), 3, 'manifest, config and the one layer');

  // Back into the registry (another repository): the same bytes, still stored as v2s2.
  const back = `${reg.host}/back/single:v2`;
  const b = await runCli(['copy', `oci:${out}:v1`, back]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout.trim(), sha256(singleRaw));
  assert.equal(await skopeo(['inspect', '--raw', `docker://${back}`]), singleRaw);
  assert.equal(await servedType(back), DOCKER_MANIFEST);
});

test('copy of a v2s2 manifest list copies every child; --platform narrows it to the one Docker manifest', async () => {
  const out = join(dir, 'copy-list');
  const r = await runCli(['copy', list, `oci:${out}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), sha256(listRaw));
  await validateLayoutDir(out);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Desc[] };
  assert.deepEqual(index.manifests.map((m) => [m.mediaType, m.digest]), [[DOCKER_LIST, sha256(listRaw)]]);
  for (const arch of ['amd64', 'arm64'] as const) {
    assert.equal(await readFile(join(out, 'blobs', 'sha256', childDigest[arch].slice(7)), 'utf8'), childRaw[arch], `${arch} manifest bytes`);
  }
  const store = new OciLayoutStore(out);
  assert.equal(await validateGraph(store, await store.resolve('v1')), 7, 'list + 2 × (manifest, config, layer)');
  assert.equal(await inspectRaw(`oci:${out}:v1`), listRaw);

  const back = `${reg.host}/back/list:v2`;
  const b = await runCli(['copy', `oci:${out}:v1`, back]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(await skopeo(['inspect', '--raw', `docker://${back}`]), listRaw);
  assert.equal(await servedType(back), DOCKER_LIST);

  const arm = join(dir, 'copy-arm');
  const n = await runCli(['copy', '--platform', 'linux/arm64', list, `oci:${arm}:arm`]);
  assert.equal(n.code, 0, n.stderr);
  assert.equal(n.stdout.trim(), childDigest.arm64);
  await validateLayoutDir(arm);
  const armIndex = JSON.parse(await readFile(join(arm, 'index.json'), 'utf8')) as { manifests: Desc[] };
  assert.equal(armIndex.manifests.length, 1);
  assert.equal(armIndex.manifests[0]!.mediaType, DOCKER_MANIFEST);
  assert.equal(armIndex.manifests[0]!.digest, childDigest.arm64);
  assert.equal(await inspectRaw(`oci:${arm}:arm`), childRaw.arm64);
  const armStore = new OciLayoutStore(arm);
  assert.equal(await validateGraph(armStore, await armStore.resolve('arm')), 3, 'only the arm64 manifest, config and layer');
  const amdLayer = (JSON.parse(childRaw.amd64) as DockerManifest).layers[0]!;
  const armLayer = (JSON.parse(childRaw.arm64) as DockerManifest).layers[0]!;
  assert.notEqual(amdLayer.digest, armLayer.digest);
  assert.ok(await armStore.exists(armLayer), 'the arm64 layer is copied');
  assert.ok(!(await armStore.exists(amdLayer)), 'the amd64 layer is not');
});

test('pull extracts the files of a v2s2 manifest and of each platform of a v2s2 list', async () => {
  const one = join(dir, 'pull-single');
  const r = await runCli(['pull', single, '-o', one]);
  assert.equal(r.code, 0, r.stderr);
  await assertPrefix(one, 'amd64');

  for (const arch of ['amd64', 'arm64'] as const) {
    const out = join(dir, `pull-list-${arch}`);
    const p = await runCli(['pull', '--platform', `linux/${arch}`, list, '-o', out]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stderr, new RegExp(`\\(${childDigest[arch]}\\)`), 'names the chosen manifest');
    await assertPrefix(out, arch);
  }
});

test('append onto a v2s2 base writes v2s2: the new layer has the Docker layer type, zstd is refused', async () => {
  const extra = join(dir, 'extra');
  await mkdir(join(extra, 'share'), { recursive: true });
  await writeFile(join(extra, 'share', 'NOTICE'), 'appended\n');

  const dst = `${reg.host}/appended/single:v1`;
  const r = await runCli(['append', extra, '--from', single, '--tag', dst]);
  assert.equal(r.code, 0, r.stderr);
  const raw = await skopeo(['inspect', '--raw', `docker://${dst}`]);
  assert.equal(r.stdout.trim(), sha256(raw));
  const m = JSON.parse(raw) as DockerManifest;
  const base = JSON.parse(singleRaw) as DockerManifest;
  assert.equal(m.mediaType, DOCKER_MANIFEST);
  assert.equal(m.config.mediaType, DOCKER_CONFIG);
  assert.deepEqual(m.layers.map((l) => l.mediaType), [DOCKER_LAYER, DOCKER_LAYER]);
  assert.deepEqual(m.layers[0], base.layers[0], 'the base layer is referenced as it was');
  assert.equal(await servedType(dst), DOCKER_MANIFEST);
  const info = JSON.parse(await skopeo(['inspect', `docker://${dst}`])) as { Layers: string[] };
  assert.equal(info.Layers.length, 2);
  const out = join(dir, 'pull-appended');
  const p = await runCli(['pull', dst, '-o', out]);
  assert.equal(p.code, 0, p.stderr);
  await assertPrefix(out, 'amd64');
  assert.equal(await readFile(join(out, 'share', 'NOTICE'), 'utf8'), 'appended\n');

  // A list base: every child gets the layer, the result is still a v2s2 list.
  const dstList = `${reg.host}/appended/list:v1`;
  const l = await runCli(['append', extra, '--from', list, '--tag', dstList]);
  assert.equal(l.code, 0, l.stderr);
  const newList = JSON.parse(await skopeo(['inspect', '--raw', `docker://${dstList}`])) as DockerList;
  assert.equal(newList.mediaType, DOCKER_LIST);
  assert.deepEqual(newList.manifests.map((d) => [d.mediaType, d.platform?.architecture]), [[DOCKER_MANIFEST, 'amd64'], [DOCKER_MANIFEST, 'arm64']]);
  for (const d of newList.manifests) {
    assert.ok(!Object.values(childDigest).includes(d.digest), 'each child manifest is a new one');
    const child = JSON.parse(await skopeo(['inspect', '--raw', `docker://${reg.host}/appended/list@${d.digest}`])) as DockerManifest;
    assert.deepEqual(child.layers.map((x) => x.mediaType), [DOCKER_LAYER, DOCKER_LAYER]);
  }
  const armOut = join(dir, 'pull-appended-arm');
  const pa = await runCli(['pull', '--platform', 'linux/arm64', dstList, '-o', armOut]);
  assert.equal(pa.code, 0, pa.stderr);
  await assertPrefix(armOut, 'arm64');
  assert.equal(await readFile(join(armOut, 'share', 'NOTICE'), 'utf8'), 'appended\n');

  const z = await runCli(['append', extra, '--from', single, '--tag', `${reg.host}/appended/zstd:v1`, '--compression', 'zstd']);
  assert.notEqual(z.code, 0);
  assert.match(z.stderr, /^ocipkg: .*Docker schema 2 image takes gzip layers only.*\n$/);
});

async function project(name: string, image: string): Promise<string> {
  const p = join(dir, name);
  await mkdir(p, { recursive: true });
  await writeFile(join(p, 'package.json'), JSON.stringify({ name: 'x', ocipkg: { image } }));
  return p;
}

interface Lock {
  dependencies: Record<string, { image: string; tag: string; digest: string; platforms: Record<string, string> }>;
}
const readLock = async (p: string): Promise<Lock> => JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8')) as Lock;

test('install from package.json resolves a v2s2 list per platform and a plain v2s2 manifest, and pins their digests', async () => {
  const cache = join(dir, 'cache');
  const env = { OCIPKG_CACHE_DIR: cache };

  const p = await project('proj-list', list);
  const r = await runCli(['install', '--platform', 'linux/amd64'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^list: ${list.replace(/[.]/g, '\\.')} → ${childDigest.amd64.slice(0, 19)} linux/amd64 \\(downloaded`));
  let lock = await readLock(p);
  assert.deepEqual(Object.keys(lock.dependencies), ['list']);
  assert.equal(lock.dependencies.list!.tag, 'v1');
  assert.equal(lock.dependencies.list!.digest, sha256(listRaw));
  assert.equal(lock.dependencies.list!.platforms['linux/amd64'], childDigest.amd64);
  for (const [key, digest] of Object.entries(lock.dependencies.list!.platforms)) {
    assert.ok(Object.values(childDigest).includes(digest), `${key} is pinned to a child of the list, not ${digest}`);
  }
  const amdPrefix = await runLink(['--prefix', '--platform', 'linux/amd64'], { cwd: p, env });
  assert.equal(amdPrefix.code, 0, amdPrefix.stderr);
  await assertPrefix(amdPrefix.stdout.trim(), 'amd64');
  const libs = await runLink(['--libs', '--platform', 'linux/amd64'], { cwd: p, env });
  assert.equal(libs.code, 0, libs.stderr);
  assert.match(libs.stdout, /(^| )-lx( |\n|$)/);

  const arm = await runCli(['install', '--platform', 'linux/arm64'], { cwd: p, env });
  assert.equal(arm.code, 0, arm.stderr);
  lock = await readLock(p);
  assert.equal(lock.dependencies.list!.digest, sha256(listRaw));
  assert.equal(lock.dependencies.list!.platforms['linux/amd64'], childDigest.amd64);
  assert.equal(lock.dependencies.list!.platforms['linux/arm64'], childDigest.arm64);
  const armPrefix = await runLink(['--prefix', '--platform', 'linux/arm64'], { cwd: p, env });
  assert.equal(armPrefix.code, 0, armPrefix.stderr);
  await assertPrefix(armPrefix.stdout.trim(), 'arm64');

  // Pinned and cached: a frozen reinstall asks the registry nothing.
  await reg.settle();
  reg.resetRequests();
  const again = await runCli(['install', '--frozen', '--platform', 'linux/arm64'], { cwd: p, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /\(from cache, /);
  await reg.settle();
  assert.deepEqual(reg.requests(), []);

  const q = await project('proj-single', single);
  const s = await runCli(['install', '--platform', 'linux/amd64'], { cwd: q, env });
  assert.equal(s.code, 0, s.stderr);
  const sl = await readLock(q);
  assert.equal(sl.dependencies.single!.digest, sha256(singleRaw));
  assert.deepEqual(sl.dependencies.single!.platforms, { 'linux/amd64': sha256(singleRaw) });
  const sp = await runLink(['--prefix'], { cwd: q, env: { ...env, OCIPKG_PLATFORM: 'linux/amd64' } });
  assert.equal(sp.code, 0, sp.stderr);
  await assertPrefix(sp.stdout.trim(), 'amd64');
});
