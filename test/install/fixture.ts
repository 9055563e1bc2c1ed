import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// @ts-expect-error: the example's build script is plain JavaScript
import { buildHello } from '../../examples/libhello/build.mjs';
import { ROOT } from '../helpers/cli.js';

/** A real libhello for this machine (amd64) and a stand-in for arm64 with other contents. */
export function buildPrefixes(dir: string, version: string, answer: number): { amd64: string; arm64: string } {
  const amd64 = (buildHello as (p: string, o: object) => string)(join(dir, `amd64-${version}`), { version, answer });
  const arm64 = join(dir, `arm64-${version}`);
  mkdirSync(join(arm64, 'lib'), { recursive: true });
  mkdirSync(join(arm64, 'include'), { recursive: true });
  cpSync(join(amd64, 'include', 'hello.h'), join(arm64, 'include', 'hello.h'));
  writeFileSync(join(arm64, 'lib', `libhello.so.${version}`), `arm64 build of ${version}`);
  symlinkSync(`libhello.so.${version}`, join(arm64, 'lib', 'libhello.so'));
  return { amd64, arm64 };
}

/**
 * The example node-gyp addon (examples/addon-gyp) in `dir`, its package.json naming `image`,
 * with ocipkg installed in its node_modules as npm would (a link to this checkout, and .bin).
 */
export function addonProject(dir: string, ocipkg: object): string {
  const src = join(ROOT, 'examples', 'addon-gyp');
  mkdirSync(dir, { recursive: true });
  for (const f of ['binding.gyp', 'index.js', 'src']) cpSync(join(src, f), join(dir, f), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'addon-under-test', version: '1.0.0', private: true, main: 'index.js', ocipkg }, null, 2));
  const nm = join(dir, 'node_modules');
  mkdirSync(join(nm, '.bin'), { recursive: true });
  rmSync(join(nm, 'ocipkg'), { force: true });
  symlinkSync(ROOT, join(nm, 'ocipkg'), 'dir');
  symlinkSync(join('..', 'ocipkg', 'dist', 'cli', 'main.js'), join(nm, '.bin', 'ocipkg'));
  symlinkSync(join('..', 'ocipkg', 'dist', 'cli', 'link-main.js'), join(nm, '.bin', 'ocipkg-link'));
  return dir;
}

/** The headers of the Node running the tests: its install prefix (/usr for Debian's Node). */
export const NODE_DIR = existsSync(join(dirname(process.execPath), '..', 'include', 'node')) ? join(dirname(process.execPath), '..') : '/usr';

/** npm's own node-gyp, against the local Node headers (never a download). */
export function nodeGyp(dir: string, env: NodeJS.ProcessEnv): void {
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  execFileSync(process.execPath, [bundled, 'rebuild', `--nodedir=${NODE_DIR}`, '--loglevel=warn'], {
    cwd: dir,
    env: { ...process.env, ...env, PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
