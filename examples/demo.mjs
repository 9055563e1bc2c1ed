#!/usr/bin/env node
// `npm run demo`: the main job end to end on an embedded default, no registry needed.
//  1. build libhello (examples/libhello) into a staging prefix
//  2. `ocipkg build` it into a local oci: layout (.tmp/demo/layout, tag 1.0.0)
//  3. `ocipkg install` in the example node-gyp addon, whose package.json names that layout
//  4. node-gyp builds the addon; binding.gyp asks `ocipkg-link` for flags
//  5. load the addon and call it (libhello found through the rpath: the cache prefix)
//  6. copy libhello next to the addon (`ocipkg-link --copy build/Release`): found via $ORIGIN
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHello } from './libhello/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'demo');
const addon = join(root, 'examples', 'addon-gyp');
const cli = join(root, 'dist', 'cli', 'main.js');
// The headers of the Node that runs this (/usr for Debian's, the install prefix for nvm and
// tarballs), so the addon is built for this Node and nothing is downloaded.
const nodeDir = process.env.npm_config_nodedir ?? (existsSync(join(dirname(process.execPath), '..', 'include', 'node')) ? join(dirname(process.execPath), '..') : '/usr');
const env = {
  ...process.env,
  OCIPKG_CACHE_DIR: process.env.OCIPKG_CACHE_DIR ?? join(work, 'cache'),
  npm_config_nodedir: nodeDir,
};

function step(n, text) {
  console.log(`\n[${n}/6] ${text}`);
}
function run(cmd, args, opts = {}) {
  console.log(`  $ ${[cmd, ...args].join(' ')}`);
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env, ...opts }).toString();
}

if (!existsSync(cli)) {
  console.error('demo: dist/ is missing; run `npm install` (it builds ocipkg) first');
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
// The layout is rebuilt on every run (with this machine's compiler), so an old pin would not match.
rmSync(join(addon, 'ocipkg-lock.json'), { force: true });
mkdirSync(work, { recursive: true });

step(1, 'building libhello 1.0.0 into a staging prefix');
const prefix = buildHello(join(work, 'prefix'), { version: '1.0.0', answer: 42 });
console.log(`  ${prefix}: include/hello.h, lib/libhello.so.1.0.0 (+ symlinks), lib/libhello.a`);

step(2, 'packing it as an ocipkg artifact into a local OCI layout');
const layout = join(work, 'layout');
const built = run(process.execPath, [cli, 'build', `${prefix}/include`, `${prefix}/lib`, '--tag', `oci:${layout}:1.0.0`]);
console.log(`  oci:${layout}:1.0.0 → ${built.trim()}`);

step(3, 'installing it for the example addon (examples/addon-gyp, "ocipkg" field in package.json)');
// The addon depends on ocipkg itself (its bin provides ocipkg-link to binding.gyp).
const nm = join(addon, 'node_modules');
mkdirSync(join(nm, '.bin'), { recursive: true });
if (!existsSync(join(nm, 'ocipkg'))) symlinkSync(root, join(nm, 'ocipkg'), 'dir');
for (const bin of ['ocipkg', 'ocipkg-link']) {
  const target = join(nm, '.bin', bin);
  rmSync(target, { force: true });
  symlinkSync(join('..', 'ocipkg', 'dist', 'cli', bin === 'ocipkg' ? 'main.js' : 'link-main.js'), target);
}
run(process.execPath, [cli, 'install'], { cwd: addon });
console.log(`  flags: ${run(join(nm, '.bin', 'ocipkg-link'), ['hello', '--ldflags'], { cwd: addon }).trim()}`);

step(4, 'building the addon with node-gyp (binding.gyp calls ocipkg-link)');
const nodeGyp = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
run(process.execPath, [existsSync(nodeGyp) ? nodeGyp : 'node-gyp', 'rebuild', `--nodedir=${nodeDir}`, '--loglevel=warn'], {
  cwd: addon,
  env: { ...env, PATH: `${join(nm, '.bin')}:${env.PATH}` },
});

const where = () => {
  try {
    const line = execFileSync('ldd', [join(addon, 'build', 'Release', 'hello_addon.node')]).toString().split('\n').find((l) => l.includes('libhello'));
    return line ? `  libhello resolved by the loader: ${line.trim()}` : '';
  } catch {
    return '';
  }
};
const call = "const a = require('./index.js'); console.log(a.greet('demo'), '| answer:', a.answer())";

step(5, 'loading the addon (libhello from the per-user cache, through the rpath)');
console.log(`  ${run(process.execPath, ['-e', call], { cwd: addon }).trim()}`);
console.log(where());

step(6, 'copying libhello next to the addon (ocipkg-link --copy build/Release), found via $ORIGIN');
console.log(`  copied: ${run(join(nm, '.bin', 'ocipkg-link'), ['hello', '--copy', 'build/Release'], { cwd: addon }).trim()}`);
console.log(`  ${run(process.execPath, ['-e', call], { cwd: addon }).trim()}`);
console.log(where());
console.log('\ndemo: done');
