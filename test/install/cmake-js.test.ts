import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { buildPrefixes } from './fixture.js';

test('the cmake-js example: find_package(hello) through ocipkg-link --cmake-prefix, N-API headers from node-api-headers', async () => {
  const dir = await tempDir();
  const p = buildPrefixes(join(dir, 'prefixes'), '1.4.2', 142);
  const layout = join(dir, 'layout');
  const b = await runCli(['build', join(p.amd64, 'include'), join(p.amd64, 'lib'), '--tag', `oci:${layout}:1.4.2`]);
  assert.equal(b.code, 0, b.stderr);

  const addon = join(dir, 'addon');
  const src = join(ROOT, 'examples', 'addon-cmake-js');
  mkdirSync(addon);
  for (const f of ['CMakeLists.txt', 'index.js', 'src']) cpSync(join(src, f), join(addon, f), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  pkg.ocipkg.image = `oci:${layout}`;
  writeFileSync(join(addon, 'package.json'), JSON.stringify(pkg, null, 2));
  mkdirSync(join(addon, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(addon, 'node_modules', 'ocipkg'), 'dir');
  symlinkSync(join('..', 'ocipkg', 'dist', 'cli', 'link-main.js'), join(addon, 'node_modules', '.bin', 'ocipkg-link'));

  const env = { ...process.env, OCIPKG_CACHE_DIR: join(dir, 'cache'), PATH: `${join(addon, 'node_modules', '.bin')}:${process.env.PATH}` };
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '--log-level', 'warn'], { cwd: addon, env, stdio: 'pipe' });
  const out = execFileSync(process.execPath, ['-e', "const a = require('./index.js'); console.log(a.answer(), a.greet('cmake-js'))"], { cwd: addon }).toString();
  assert.equal(out, '142 hello, cmake-js, from libhello 1.4.2\n');
  assert.match(readFileSync(join(addon, 'ocipkg-lock.json'), 'utf8'), /"tag": "1\.4\.2"/);
});
