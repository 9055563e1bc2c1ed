import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, runLink } from '../helpers/cli.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { tempDir } from '../helpers/tmp.js';
import { tree, buildArtifact, project as packageDir } from '../helpers/files.js';


const project = (dir: string, ocipkg: object) => packageDir(dir, ocipkg, 'under-test');

const build = buildArtifact;

interface LockEntry {
  image: string;
  version?: string;
  tag?: string;
  digest?: string;
  platforms: Record<string, string>;
}

async function lock(p: string): Promise<{ lockfileVersion: number; dependencies: Record<string, LockEntry> }> {
  return JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'));
}

/** A prefix for version `v`: libfoo with its symlink chain, libbar, a static library and a header. */
function fooFiles(v: string): Record<string, string | { link: string }> {
  return {
    'include/foo.h': `/* foo ${v} */\n`,
    [`lib/libfoo.so.${v}`]: `libfoo ${v}`,
    'lib/libfoo.so.1': { link: `libfoo.so.${v}` },
    'lib/libfoo.so': { link: 'libfoo.so.1' },
    'lib/libbar.so': `libbar ${v}`,
    'lib/libfoo.a': 'static',
    'lib/pkgconfig/foo.pc': 'Name: foo\n',
  };
}

const OFFLINE_LINE = /^ocipkg: [^\n]*installs are offline \(OCIPKG_OFFLINE\/--offline\)\n$/;

test('copyTo: install copies the shared libraries (with their symlink chain) into every directory; again is idempotent', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  await build([`${await tree(join(dir, 'prefix'), fooFiles('1.2.3'))}/`, '--tag', `oci:${join(dir, 'layout')}:1.2.3`]);
  const p = await project(join(dir, 'p'), { image: 'oci:../layout', version: '^1', name: 'foo', copyTo: ['build/Release', 'prebuilds/linux-x64'] });

  const r = await runCli(['install'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  const want = {
    'libbar.so': { type: 'file', sha256: '' },
    'libfoo.so': { type: 'symlink', target: 'libfoo.so.1' },
    'libfoo.so.1': { type: 'symlink', target: 'libfoo.so.1.2.3' },
    'libfoo.so.1.2.3': { type: 'file', sha256: '' },
  };
  const shape = (snap: Record<string, { type: string; target?: string; sha256?: string }>) =>
    Object.fromEntries(Object.entries(snap).map(([k, v]) => [k, v.type === 'symlink' ? { type: v.type, target: v.target } : { type: v.type, sha256: '' }]));
  const snapshots: Record<string, Awaited<ReturnType<typeof treeSnapshot>>> = {};
  for (const to of ['build/Release', 'prebuilds/linux-x64']) {
    const out = join(p, to);
    const snap = await treeSnapshot(out);
    assert.deepEqual(shape(snap), want, to);
    assert.equal(await readFile(join(out, 'libfoo.so.1.2.3'), 'utf8'), 'libfoo 1.2.3');
    assert.equal(await readFile(join(out, 'libbar.so'), 'utf8'), 'libbar 1.2.3');
    for (const f of ['libbar.so', 'libfoo.so.1.2.3']) assert.ok((snap[f]!.mode! & 0o200) !== 0, `${to}/${f} is writable (the cache copy is not)`);
    snapshots[to] = snap;
  }
  const lockBefore = await readFile(join(p, 'ocipkg-lock.json'), 'utf8');

  // Again, with the copies present: nothing changes, nothing is added.
  const again = await runCli(['install'], { cwd: p, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /\(from cache, /);
  for (const to of Object.keys(snapshots)) assert.deepEqual(await treeSnapshot(join(p, to)), snapshots[to], to);
  assert.equal(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'), lockBefore);

  // A copy gone or stale is put right by the next install (from the cache, offline even).
  await rm(join(p, 'build'), { recursive: true });
  await writeFile(join(p, 'prebuilds', 'linux-x64', 'libfoo.so.1.2.3'), 'stale');
  await rm(join(p, 'prebuilds', 'linux-x64', 'libfoo.so'));
  await writeFile(join(p, 'prebuilds', 'linux-x64', 'libfoo.so'), 'a file where the symlink was');
  const repaired = await runCli(['install', '--offline'], { cwd: p, env });
  assert.equal(repaired.code, 0, repaired.stderr);
  for (const to of Object.keys(snapshots)) assert.deepEqual(await treeSnapshot(join(p, to)), snapshots[to], to);

  // "libraries" narrows the copies to the libraries linked.
  const q = await project(join(dir, 'q'), { image: 'oci:../layout', version: '^1', name: 'foo', libraries: ['foo'], copyTo: ['out'] });
  const rq = await runCli(['install'], { cwd: q, env });
  assert.equal(rq.code, 0, rq.stderr);
  assert.deepEqual((await readdir(join(q, 'out'))).sort(), ['libfoo.so', 'libfoo.so.1', 'libfoo.so.1.2.3']);

  // Without copyTo nothing is copied anywhere in the package.
  const none = await project(join(dir, 'none'), { image: 'oci:../layout', version: '^1', name: 'foo' });
  assert.equal((await runCli(['install'], { cwd: none, env })).code, 0);
  assert.deepEqual((await readdir(none)).sort(), ['ocipkg-lock.json', 'package.json']);
});

test('OCIPKG_OFFLINE=1 (the environment, no flag): installs from lockfile and cache only; exit 15 with one line when something is missing', async () => {
  const dir = await tempDir();
  const cache = join(dir, 'cache');
  const layout = join(dir, 'layout');
  const digest = await build([`${await tree(join(dir, 'prefix'), fooFiles('1.0.0'))}/`, '--tag', `oci:${layout}:1.0.0`]);
  const p = await project(join(dir, 'p'), { image: 'oci:../layout', version: '^1', name: 'foo' });
  const online = { OCIPKG_CACHE_DIR: cache };
  const offline = { OCIPKG_CACHE_DIR: cache, OCIPKG_OFFLINE: '1' };

  // Nothing locked yet: offline cannot resolve a range, even with the layout right there.
  let r = await runCli(['install'], { cwd: p, env: offline });
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, OFFLINE_LINE);
  assert.match(r.stderr, /foo is not in ocipkg-lock\.json/);
  assert.ok(!existsSync(join(p, 'ocipkg-lock.json')));
  assert.ok(!existsSync(join(cache, 'trees')) || (await readdir(join(cache, 'trees'))).length === 0);

  r = await runCli(['install'], { cwd: p, env: online });
  assert.equal(r.code, 0, r.stderr);
  const locked = await readFile(join(p, 'ocipkg-lock.json'), 'utf8');

  // With the source gone, the lockfile and the cache are enough.
  await rename(layout, `${layout}.away`);
  for (const value of ['1', 'true']) {
    r = await runCli(['install'], { cwd: p, env: { ...offline, OCIPKG_OFFLINE: value } });
    assert.equal(r.code, 0, `OCIPKG_OFFLINE=${value}: ${r.stderr}`);
    assert.match(r.stderr, /^foo: oci:\.\.\/layout:1\.0\.0 → sha256:[0-9a-f]{12} linux\/amd64 \(from cache, /);
  }
  const libs = await runLink(['--libs'], { cwd: p, env: offline });
  assert.equal(libs.code, 0, libs.stderr);
  assert.equal(libs.stdout, `-L${join(cache, 'trees', digest.replace(':', '-'))}/lib -lbar -lfoo\n`);
  assert.equal(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'), locked);
  await rename(`${layout}.away`, layout);

  // An empty cache: offline fails although the source is reachable, and takes nothing from it.
  const empty = join(dir, 'cache-empty');
  r = await runCli(['install'], { cwd: p, env: { OCIPKG_CACHE_DIR: empty, OCIPKG_OFFLINE: '1' } });
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, OFFLINE_LINE);
  assert.ok(r.stderr.includes(`foo: ${digest} is not in the cache`), r.stderr);
  const blobs = join(empty, 'blobs', 'sha256');
  assert.deepEqual(existsSync(blobs) ? (await readdir(blobs)).filter((f) => !f.startsWith('.')) : [], []);
  // ocipkg-link's lazy install is offline by the same variable.
  const lazy = await runLink(['--libs'], { cwd: p, env: { OCIPKG_CACHE_DIR: empty, OCIPKG_OFFLINE: '1' } });
  assert.equal(lazy.code, 15, lazy.stderr);
  assert.match(lazy.stderr, OFFLINE_LINE);
  assert.equal(lazy.stdout, '');
  // OCIPKG_OFFLINE=0 is not offline.
  r = await runCli(['install'], { cwd: p, env: { OCIPKG_CACHE_DIR: empty, OCIPKG_OFFLINE: '0' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(downloaded /);

  // A cache missing one layer blob is not enough either.
  const manifest = JSON.parse(await readFile(join(cache, 'blobs', 'sha256', digest.slice(7)), 'utf8'));
  await rm(join(cache, 'blobs', 'sha256', manifest.layers[0].digest.slice(7)));
  r = await runCli(['install'], { cwd: p, env: offline });
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, OFFLINE_LINE);
  assert.ok(r.stderr.includes(`foo: ${digest} is not (or not wholly) in the cache`), r.stderr);
  r = await runCli(['install'], { cwd: p, env: online });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(downloaded /);

  // A lock entry that no longer matches package.json must be resolved again: not offline.
  await writeFile(join(p, 'package.json'), JSON.stringify({ name: 'under-test', ocipkg: { image: 'oci:../layout', version: '^1.0', name: 'foo' } }));
  r = await runCli(['install'], { cwd: p, env: offline });
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, OFFLINE_LINE);
  assert.equal(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'), locked);
});

test('a lock entry that no longer matches package.json is resolved again and rewritten by a plain install', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const layout = join(dir, 'layout');
  const roots: Record<string, string> = {};
  for (const v of ['1.0.0', '1.1.0', '2.0.0']) {
    const amd = await tree(join(dir, `amd64-${v}`), fooFiles(v));
    const arm = await tree(join(dir, `arm64-${v}`), { 'lib/libfoo.so': `arm64 ${v}` });
    roots[v] = await build(['--platform', `linux/amd64=${amd}`, '--platform', `linux/arm64=${arm}`, '--tag', `oci:${layout}:${v}`]);
  }
  /** linux/ARCH → manifest digest, for the index `root`. */
  const manifestsOf = async (root: string): Promise<Record<string, string>> => {
    const index = JSON.parse((await runCli(['inspect', `oci:${layout}@${root}`])).stdout);
    return Object.fromEntries(index.manifests.map((m: { digest: string; platform: { os: string; architecture: string } }) => [`${m.platform.os}/${m.platform.architecture}`, m.digest]));
  };
  /**
   * The entry pins `version`: its tag and index, this machine's build, and every other pin a
   * build of that index (whether install pins only what it installed or all the index offers,
   * nothing pinned for the old version may survive).
   */
  const assertPinned = async (entry: LockEntry | undefined, want: Omit<LockEntry, 'platforms' | 'tag' | 'digest'>, version: string) => {
    assert.ok(entry);
    const { platforms, ...rest } = entry;
    assert.deepEqual(rest, { ...want, tag: version, digest: roots[version] });
    const builds = await manifestsOf(roots[version]!);
    assert.equal(platforms['linux/amd64'], builds['linux/amd64']);
    for (const [key, digest] of Object.entries(platforms)) assert.equal(digest, builds[key], `${key} pins a build of ${version}`);
  };
  // A second dependency, pinned by tag, that must come through untouched.
  const other = { image: 'oci:../layout:1.0.0', name: 'other' };
  const writePkg = (foo: object) => writeFile(join(dir, 'p', 'package.json'), JSON.stringify({ name: 'under-test', version: '0.0.0', ocipkg: [foo, other] }));
  const p = await project(join(dir, 'p'), {});
  await writePkg({ image: 'oci:../layout', version: '^1', name: 'foo' });

  let r = await runCli(['install'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['install', '--platform', 'linux/arm64'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  let l = await lock(p);
  assert.equal(l.dependencies.foo!.tag, '1.1.0');
  assert.equal(l.dependencies.foo!.digest, roots['1.1.0']);
  assert.deepEqual(Object.keys(l.dependencies.foo!.platforms).sort(), ['linux/amd64', 'linux/arm64']);
  const otherEntry = l.dependencies.other;

  // ^1 → ^2: resolved again (not refused, not kept), the 1.x platform pins dropped.
  await writePkg({ image: 'oci:../layout', version: '^2', name: 'foo' });
  r = await runCli(['install'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^foo: oci:\.\.\/layout:2\.0\.0 → /m);
  l = await lock(p);
  await assertPinned(l.dependencies.foo, { image: 'oci:../layout', version: '^2' }, '2.0.0');
  assert.deepEqual(l.dependencies.other, otherEntry);
  const prefix = (await runLink(['foo', '--prefix'], { cwd: p, env: { ...env, OCIPKG_OFFLINE: '1' } })).stdout.trim();
  assert.equal(await readFile(join(prefix, 'lib', 'libfoo.so.2.0.0'), 'utf8'), 'libfoo 2.0.0');
  const cmake = (await runLink(['foo', '--cmake-prefix'], { cwd: p, env })).stdout.trim();
  assert.match(await readFile(join(cmake, 'lib', 'cmake', 'foo', 'fooConfigVersion.cmake'), 'utf8'), /set\(PACKAGE_VERSION "2\.0\.0"\)/);
  // Now current: --frozen agrees and changes nothing.
  const rewritten = await readFile(join(p, 'ocipkg-lock.json'), 'utf8');
  r = await runCli(['install', '--frozen'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'), rewritten);

  // Another image with the same range: resolved against the new image.
  const layoutB = join(dir, 'layout-b');
  const b2 = await build([`${await tree(join(dir, 'b-2.5.0'), fooFiles('2.5.0'))}/`, '--tag', `oci:${layoutB}:2.5.0`]);
  await writePkg({ image: 'oci:../layout-b', version: '^2', name: 'foo' });
  r = await runCli(['install'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  l = await lock(p);
  assert.deepEqual(l.dependencies.foo, { image: 'oci:../layout-b', version: '^2', tag: '2.5.0', digest: b2, platforms: { 'linux/amd64': b2 } });
  assert.deepEqual(l.dependencies.other, otherEntry);

  // A tag in the image wins over the lock too.
  await writePkg({ image: 'oci:../layout:1.0.0', name: 'foo' });
  r = await runCli(['install'], { cwd: p, env });
  assert.equal(r.code, 0, r.stderr);
  await assertPinned((await lock(p)).dependencies.foo, { image: 'oci:../layout:1.0.0' }, '1.0.0');

  // ocipkg-link's lazy install redoes a stale entry the same way (and prints the new prefix).
  await writePkg({ image: 'oci:../layout', version: '~1.1', name: 'foo' });
  const relinked = await runLink(['foo', '--prefix'], { cwd: p, env });
  assert.equal(relinked.code, 0, relinked.stderr);
  assert.equal(await readFile(join(relinked.stdout.trim(), 'lib', 'libfoo.so.1.1.0'), 'utf8'), 'libfoo 1.1.0');
  l = await lock(p);
  await assertPinned(l.dependencies.foo, { image: 'oci:../layout', version: '~1.1' }, '1.1.0');
  assert.deepEqual(l.dependencies.other, otherEntry);
});
