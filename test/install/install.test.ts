import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, runLink, CLI } from '../helpers/cli.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { skopeo } from '../helpers/tools.js';
import { addonProject, buildPrefixes, nodeGyp } from './fixture.js';

let reg: Registry;
let dir: string;
let image: string;
const manifests: Record<string, { amd64: string; arm64: string; index: string }> = {};

before(async () => {
  reg = await startRegistry();
  dir = await tempDir();
  image = `${reg.host}/lib/hello`;
  for (const [version, answer] of [['1.2.0', 12], ['1.3.0', 13], ['2.0.0', 20]] as const) {
    const p = buildPrefixes(join(dir, 'prefixes'), version, answer);
    const r = await runCli(['build', '--platform', `linux/amd64=${p.amd64}`, '--platform', `linux/arm64=${p.arm64}`, '--tag', `${image}:${version}`]);
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(await skopeo(['inspect', '--raw', `docker://${image}:${version}`]));
    const pick = (arch: string) => index.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === arch).digest as string;
    manifests[version] = { amd64: pick('amd64'), arm64: pick('arm64'), index: r.stdout.trim() };
  }
});
after(async () => {
  await reg?.stop();
});

const cacheEnv = (cache: string) => ({ OCIPKG_CACHE_DIR: cache });

async function project(name: string, ocipkg: object): Promise<string> {
  const p = join(dir, name);
  await mkdir(p, { recursive: true });
  await writeFile(join(p, 'package.json'), JSON.stringify({ name, version: '0.0.0', ocipkg }));
  return p;
}

async function lock(p: string): Promise<{ dependencies: Record<string, { tag: string; digest: string; platforms: Record<string, string> }> }> {
  return JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'));
}

test('version ^1.2 installs 1.3.0 for this machine and pins it; --platform picks arm64; no match fails in one line', async () => {
  const cache = join(dir, 'cache-a');
  const p = await project('a', { image, version: '^1.2', name: 'hello' });
  const r = await runCli(['install'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^hello: ${image}:1\\.3\\.0 → sha256:[0-9a-f]{12} linux/amd64 \\(downloaded ([\\d.]+ KiB), \\1\\)\\n$`));
  let l = await lock(p);
  assert.equal(l.dependencies.hello!.tag, '1.3.0');
  assert.equal(l.dependencies.hello!.digest, manifests['1.3.0']!.index);
  // Every platform of the pinned index is pinned at once: the lockfile serves the other machines too.
  assert.deepEqual(l.dependencies.hello!.platforms, { 'linux/amd64': manifests['1.3.0']!.amd64, 'linux/arm64': manifests['1.3.0']!.arm64 });

  // The lockfile is reused: no tag listing, nothing downloaded.
  reg.resetRequests();
  const again = await runCli(['install'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /\(from cache, [\d.]+ KiB\)\n$/);
  await reg.settle();
  assert.deepEqual(reg.requests(), []);

  // A lockfile that lacks a platform (an older one): --frozen refuses to add it, a plain install adds it.
  const lockPath = join(p, 'ocipkg-lock.json');
  const full = await readFile(lockPath, 'utf8');
  const partial = JSON.parse(full);
  delete partial.dependencies.hello.platforms['linux/arm64'];
  await writeFile(lockPath, `${JSON.stringify(partial, null, 2)}\n`);
  const frozen = await runCli(['install', '--frozen', '--platform', 'linux/arm64'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(frozen.code, 14, frozen.stderr);
  assert.equal(frozen.stderr, 'ocipkg: ocipkg-lock.json: hello pins no build for linux/arm64 (--frozen)\n');
  const arm = await runCli(['install', '--platform', 'linux/arm64'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(arm.code, 0, arm.stderr);
  assert.equal(await readFile(lockPath, 'utf8'), full);
  const prefix = (await runLink(['--prefix', '--platform', 'linux/arm64'], { cwd: p, env: cacheEnv(cache) })).stdout.trim();
  assert.equal(await readFile(join(prefix, 'lib', 'libhello.so.1.3.0'), 'utf8'), 'arm64 build of 1.3.0');

  const none = await runCli(['install', '--platform', 'linux/riscv64'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(none.code, 10, none.stderr);
  assert.match(none.stderr, /^ocipkg: no build for linux\/riscv64 in .*; it offers linux\/amd64, linux\/arm64\n$/);

  const q = await project('a-range', { image, version: '^3.0' });
  const nover = await runCli(['install'], { cwd: q, env: cacheEnv(cache) });
  assert.equal(nover.code, 11, nover.stderr);
  assert.match(nover.stderr, /^ocipkg: no tag of .*\/lib\/hello satisfies "\^3\.0" \(closest: 1\.2\.0, 1\.3\.0, 2\.0\.0\)\n$/);
  assert.ok(!existsSync(join(q, 'ocipkg-lock.json')));

  const bad = await project('a-bad', { image, version: '^x' });
  const badr = await runCli(['install'], { cwd: bad, env: cacheEnv(cache) });
  assert.equal(badr.code, 9);
  assert.equal(badr.stderr, 'ocipkg: package.json: ocipkg.version: "^x" is not a semver range\n');
  const unknown = await project('a-unknown', { image, verison: '^1' });
  assert.match((await runCli(['install'], { cwd: unknown, env: cacheEnv(cache) })).stderr, /package\.json: ocipkg\.verison: unknown key/);
});

test('tagTemplate: per-platform tags instead of an index, the version read back out of the tags', async () => {
  const cache = join(dir, 'cache-template');
  for (const [version, answer] of [['1.1.0', 11], ['1.5.0', 15]] as const) {
    const p = buildPrefixes(join(dir, 'tpl-prefixes'), version, answer);
    for (const [arch, prefix] of [['amd64', p.amd64], ['arm64', p.arm64]] as const) {
      const r = await runCli(['build', `${prefix}/`, '--platform', `linux/${arch}`, '--tag', `${reg.host}/lib/tpl:v${version}-linux-${arch}`]);
      assert.equal(r.code, 0, r.stderr);
    }
  }
  const p = await project('tpl', { image: `${reg.host}/lib/tpl`, version: '^1.1', tagTemplate: 'v{version}-{os}-{arch}', name: 'hello' });
  const r = await runCli(['install', '--platform', 'linux/arm64'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(r.code, 0, r.stderr);
  const l = await lock(p);
  assert.equal(l.dependencies.hello!.tag, '1.5.0');
  assert.equal(l.dependencies.hello!.digest, undefined);
  const prefix = (await runLink(['--prefix', '--platform', 'linux/arm64'], { cwd: p, env: cacheEnv(cache) })).stdout.trim();
  assert.equal(await readFile(join(prefix, 'lib', 'libhello.so.1.5.0'), 'utf8'), 'arm64 build of 1.5.0');
  // Another platform later: the pinned version's tag for it, no tag listing.
  reg.resetRequests();
  const amd = await runCli(['install'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(amd.code, 0, amd.stderr);
  await reg.settle();
  assert.ok(!reg.requests().some((e) => e.path.includes('/tags/list')));
  assert.ok(reg.requests().some((e) => e.path.endsWith('/manifests/v1.5.0-linux-amd64')));
  assert.deepEqual(Object.keys((await lock(p)).dependencies.hello!.platforms).sort(), ['linux/amd64', 'linux/arm64']);
});

test('the node-gyp addon links through ocipkg-link and loads: from the cache via rpath, then from a copy via $ORIGIN', async () => {
  const cache = join(dir, 'cache-gyp');
  const p = addonProject(join(dir, 'addon'), { image, version: '^1.2', name: 'hello' });
  // No `ocipkg install` first: ocipkg-link installs lazily, as with --ignore-scripts.
  nodeGyp(p, cacheEnv(cache));
  const node = join(p, 'build', 'Release', 'hello_addon.node');
  const dyn = execFileSync('readelf', ['-d', node]).toString();
  assert.match(dyn, /\(RPATH\)\s+Library rpath: \[\$ORIGIN:.*cache-gyp\/trees\/sha256-[0-9a-f]{64}\/lib\]/);
  const call = "const a = require('./index.js'); console.log(a.answer(), a.greet('t'))";
  assert.equal(execFileSync(process.execPath, ['-e', call], { cwd: p }).toString().trim(), '13 hello, t, from libhello 1.3.0');

  const copied = await runLink(['hello', '--copy', 'build/Release'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(copied.code, 0, copied.stderr);
  assert.deepEqual((await readdir(join(p, 'build', 'Release'))).filter((f) => f.startsWith('libhello')).sort(), ['libhello.so', 'libhello.so.1', 'libhello.so.1.3.0']);
  // With the cache gone, only the copy next to the addon can satisfy the loader.
  await rename(cache, `${cache}.away`);
  try {
    assert.equal(execFileSync(process.execPath, ['-e', call], { cwd: p }).toString().trim(), '13 hello, t, from libhello 1.3.0');
    const ldd = execFileSync('ldd', [node]).toString();
    assert.match(ldd, new RegExp(`libhello\\.so\\.1 => ${join(p, 'build', 'Release')}/libhello\\.so\\.1`));
  } finally {
    await rename(`${cache}.away`, cache);
  }
});

test('a plain CMake project finds the library with CMAKE_PREFIX_PATH=$(ocipkg-link --cmake-prefix)', async () => {
  const cache = join(dir, 'cache-cmake');
  const p = await project('cmake', { image, version: '^1.2', name: 'hello' });
  await writeFile(join(p, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.16)\nproject(app C)\nfind_package(hello 1.3 CONFIG REQUIRED)\nadd_executable(app main.c)\ntarget_link_libraries(app PRIVATE hello::hello)\n');
  await writeFile(join(p, 'main.c'), '#include <stdio.h>\n#include <hello.h>\nint main(void) { printf("%d %s\\n", hello_answer(), hello_version()); return 0; }\n');
  const prefix = await runLink(['--cmake-prefix'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(prefix.code, 0, prefix.stderr);
  const b = join(p, 'build');
  execFileSync('cmake', ['-S', p, '-B', b, `-DCMAKE_PREFIX_PATH=${prefix.stdout.trim()}`], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', b], { stdio: 'pipe' });
  assert.equal(execFileSync(join(b, 'app')).toString(), '13 1.3.0\n');
  // The version file refuses another major version.
  await writeFile(join(p, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.16)\nproject(app C)\nfind_package(hello 2.0 CONFIG REQUIRED)\n');
  assert.throws(() => execFileSync('cmake', ['-S', p, '-B', join(p, 'build2'), `-DCMAKE_PREFIX_PATH=${prefix.stdout.trim()}`], { stdio: 'pipe' }), /hello/);
});

test('8 concurrent installs of one artifact into an empty cache: all succeed, each blob is served once, the cache verifies', async () => {
  const cache = join(dir, 'cache-concurrent');
  const projects = await Promise.all(Array.from({ length: 8 }, (_, i) => project(`c${i}`, { image: `${image}:2.0.0`, name: 'hello' })));
  reg.resetRequests();
  const codes = await Promise.all(
    projects.map(
      (p) =>
        new Promise<{ code: number; err: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'install'], { cwd: p, env: { ...process.env, ...cacheEnv(cache), CI: 'true' } });
          let err = '';
          child.stderr.on('data', (c) => (err += c));
          child.on('close', (code) => resolve({ code: code ?? -1, err }));
        }),
    ),
  );
  for (const c of codes) assert.equal(c.code, 0, c.err);
  await reg.settle();
  const gets = reg.requests().filter((e) => e.method === 'GET' && e.path.includes('/blobs/sha256:'));
  const perBlob = new Map<string, number>();
  for (const g of gets) perBlob.set(g.path, (perBlob.get(g.path) ?? 0) + 1);
  assert.equal(perBlob.size, 2, 'the config and the layer were fetched');
  for (const [path, n] of perBlob) assert.equal(n, 1, `${path} was served ${n} times`);
  const v = await runCli(['cache', 'verify'], { env: cacheEnv(cache) });
  assert.equal(v.code, 0, v.stderr);
  const ls = await runCli(['cache', 'ls'], { env: cacheEnv(cache) });
  assert.match(ls.stdout, new RegExp(`^${manifests['2.0.0']!.amd64} .* ${image}:2\\.0\\.0\\n$`));
});

test('a corrupted cached blob is caught by cache verify and by the next install; offline and --frozen', async () => {
  const cache = join(dir, 'cache-a');
  const p = join(dir, 'a');
  // Corrupt the amd64 library layer in place (same size).
  const m = JSON.parse(await readFile(join(cache, 'blobs', 'sha256', manifests['1.3.0']!.amd64.slice(7)), 'utf8'));
  const layer = join(cache, 'blobs', 'sha256', m.layers[0].digest.slice(7));
  const bytes = await readFile(layer);
  bytes[bytes.length >> 1] ^= 0xff;
  // In place (same file, same size): the next install notices and fetches it again.
  await writeFile(layer, bytes);
  reg.resetRequests();
  const r = await runCli(['install'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /downloaded/);
  await reg.settle();
  assert.ok(reg.requests().some((e) => e.method === 'GET' && e.path.endsWith(m.layers[0].digest)));
  assert.equal((await runCli(['cache', 'verify'], { env: cacheEnv(cache) })).code, 0);

  // And cache verify finds it too.
  await writeFile(layer, bytes);
  const v = await runCli(['cache', 'verify'], { env: cacheEnv(cache) });
  assert.equal(v.code, 7);
  assert.match(v.stderr, new RegExp(`corrupt: ${m.layers[0].digest} \\(removed\\)`));
  assert.equal((await runCli(['install'], { cwd: p, env: cacheEnv(cache) })).code, 0);
  assert.equal((await runCli(['cache', 'verify'], { env: cacheEnv(cache) })).code, 0);

  // With the registry gone: the lockfile and the cache are enough, also explicitly offline.
  await reg.stop();
  const off = await runCli(['install'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stderr, /from cache/);
  const off2 = await runCli(['install', '--offline'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(off2.code, 0, off2.stderr);
  const empty = await runCli(['install', '--offline'], { cwd: p, env: cacheEnv(join(dir, 'cache-empty')) });
  assert.equal(empty.code, 15, empty.stderr);
  assert.match(empty.stderr, /offline/);

  // A changed range with --frozen fails and leaves the lockfile alone.
  const before = await readFile(join(p, 'ocipkg-lock.json'), 'utf8');
  const pkg = JSON.parse(await readFile(join(p, 'package.json'), 'utf8'));
  pkg.ocipkg.version = '^2';
  await writeFile(join(p, 'package.json'), JSON.stringify(pkg));
  const frozen = await runCli(['install', '--frozen'], { cwd: p, env: cacheEnv(cache) });
  assert.equal(frozen.code, 14, frozen.stderr);
  assert.match(frozen.stderr, /ocipkg-lock\.json: hello was locked for "\^1\.2", package\.json now asks for "\^2" \(--frozen\)/);
  assert.equal(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'), before);
});
