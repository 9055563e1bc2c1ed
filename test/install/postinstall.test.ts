import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ROOT, runCli, spawnNode, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Run node_modules/ocipkg/hooks/postinstall.mjs as npm runs a package's install script: from the
 * package's directory, through the node_modules link, with npm's lifecycle variables but none of
 * the test runner's npm_* settings, and INIT_CWD elsewhere (where `npm install` was typed).
 */
function hook(cwd: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'CI' && !k.startsWith('OCIPKG_')));
  const full: NodeJS.ProcessEnv = { ...base, npm_lifecycle_event: 'postinstall', npm_package_name: 'addon-under-test', INIT_CWD: initCwd, ...env };
  return spawnNode(join('node_modules', 'ocipkg', 'hooks', 'postinstall.mjs'), args, { cwd, env: full, exactEnv: true });
}

let dir: string;
let initCwd: string;
let digest: string;

before(async () => {
  dir = await tempDir();
  initCwd = join(dir, 'elsewhere');
  await mkdir(initCwd);
  const prefix = join(dir, 'prefix');
  await mkdir(join(prefix, 'lib'), { recursive: true });
  await mkdir(join(prefix, 'include'), { recursive: true });
  await writeFile(join(prefix, 'include', 'foo.h'), '');
  await writeFile(join(prefix, 'lib', 'libfoo.so.1.4.0'), 'libfoo 1.4.0');
  await symlink('libfoo.so.1.4.0', join(prefix, 'lib', 'libfoo.so.1'));
  await symlink('libfoo.so.1', join(prefix, 'lib', 'libfoo.so'));
  const r = await runCli(['build', `${prefix}/`, '--tag', `oci:${join(dir, 'layout')}:1.4.0`]);
  assert.equal(r.code, 0, r.stderr);
  digest = r.stdout.trim();
});

/** An addon package with ocipkg in its node_modules (a link to this checkout, as npm link/file: make it). */
async function addon(name: string, pkg: object): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(p, 'node_modules', 'ocipkg'), 'dir');
  await writeFile(join(p, 'package.json'), JSON.stringify({ name: 'addon-under-test', version: '1.0.0', scripts: { postinstall: 'node node_modules/ocipkg/hooks/postinstall.mjs' }, ...pkg }, null, 2));
  return p;
}

test('postinstall hook: installs the package in its working directory (lockfile, cache, copyTo), quietly, and again from the cache', async () => {
  const cache = join(dir, 'cache-ok');
  const p = await addon('ok', { ocipkg: { image: 'oci:../layout', version: '^1.2', name: 'foo', copyTo: ['build/Release'] } });
  const r = await hook(p, { OCIPKG_CACHE_DIR: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  // No TTY: one line per artifact, no progress.
  assert.match(r.stderr, /^foo: oci:\.\.\/layout:1\.4\.0 → sha256:[0-9a-f]{12} linux\/amd64 \(downloaded [\d.]+ (?:B|KiB), [\d.]+ (?:B|KiB)\)\n$/);

  const lock = JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'));
  assert.deepEqual(lock, { lockfileVersion: 1, dependencies: { foo: { image: 'oci:../layout', version: '^1.2', tag: '1.4.0', digest, platforms: { 'linux/amd64': digest } } } });
  const tree = join(cache, 'trees', digest.replace(':', '-'));
  assert.equal(await readFile(join(tree, 'lib', 'libfoo.so.1.4.0'), 'utf8'), 'libfoo 1.4.0');
  assert.equal(await readlink(join(tree, 'lib', 'libfoo.so')), 'libfoo.so.1');
  assert.ok(existsSync(join(tree, 'include', 'foo.h')));
  assert.deepEqual(await readdir(join(cache, 'cmake')), [`foo-${digest.slice(7, 23)}`]);
  assert.deepEqual((await readdir(join(p, 'build', 'Release'))).sort(), ['libfoo.so', 'libfoo.so.1', 'libfoo.so.1.4.0']);
  // Nothing was written where npm was started.
  assert.deepEqual(await readdir(initCwd), []);

  const again = await hook(p, { OCIPKG_CACHE_DIR: cache });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /^foo: .*\(from cache, [\d.]+ (?:B|KiB)\)\n$/);
  assert.deepEqual(JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8')), lock);

  // Arguments reach the install verb.
  const frozen = await hook(p, { OCIPKG_CACHE_DIR: cache }, ['--frozen', '--offline']);
  assert.equal(frozen.code, 0, frozen.stderr);
});

test('postinstall hook failures: the install error as one line "ocipkg: …" on stderr and its exit status, nothing written', async () => {
  const cache = join(dir, 'cache-fail');
  const env = { OCIPKG_CACHE_DIR: cache };
  const cases: { name: string; pkg: object; args?: string[]; env?: NodeJS.ProcessEnv; code: number; line: RegExp }[] = [
    { name: 'no-layout', pkg: { ocipkg: { image: 'oci:../missing-layout', version: '^1' } }, code: 4, line: /^ocipkg: oci:.*missing-layout: not an OCI image layout \(no index\.json\)\n$/ },
    { name: 'no-version', pkg: { ocipkg: { image: 'oci:../layout', version: '^3' } }, code: 11, line: /^ocipkg: no tag of oci:\.\.\/layout satisfies "\^3" \(closest: 1\.4\.0\)\n$/ },
    { name: 'no-field', pkg: {}, code: 9, line: /^ocipkg: .*\/no-field\/package\.json: has no "ocipkg" field\n$/ },
    { name: 'bad-key', pkg: { ocipkg: { image: 'oci:../layout', copyto: ['x'] } }, code: 9, line: /^ocipkg: package\.json: ocipkg\.copyto: unknown key/ },
    { name: 'frozen', pkg: { ocipkg: { image: 'oci:../layout', version: '^1' } }, args: ['--frozen'], code: 14, line: /^ocipkg: ocipkg-lock\.json: layout is not locked \(--frozen\)\n$/ },
    { name: 'offline', pkg: { ocipkg: { image: 'oci:../layout', version: '^1' } }, env: { OCIPKG_OFFLINE: '1' }, code: 15, line: /^ocipkg: layout: layout is not in ocipkg-lock\.json, and installs are offline/ },
  ];
  for (const c of cases) {
    const p = await addon(c.name, c.pkg);
    const r = await hook(p, { ...env, ...c.env }, c.args);
    assert.equal(r.code, c.code, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, c.line, c.name);
    assert.equal(r.stderr.split('\n').length, 2, `${c.name}: one line`);
    assert.equal(r.stdout, '', c.name);
    assert.ok(!existsSync(join(p, 'ocipkg-lock.json')), `${c.name}: no lockfile`);
  }
  assert.ok(!existsSync(join(cache, 'trees')) || (await readdir(join(cache, 'trees'))).length === 0, 'nothing unpacked');
});
