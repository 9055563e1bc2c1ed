// `npm test`'s pretest: the tests use real tools, started by the tests themselves. Any that is
// missing is installed with apt-get when running as root; otherwise this stops with the command
// to run. Nothing is ever skipped silently.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** command → Debian package */
const TOOLS = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  umoci: 'umoci',
  htpasswd: 'apache2-utils',
  cmake: 'cmake',
  make: 'make',
  'g++': 'g++',
  cc: 'gcc',
  python3: 'python3',
  tar: 'tar',
  openssl: 'openssl',
};

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

const missing = Object.entries(TOOLS).filter(([cmd]) => !onPath(cmd));
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map(([, pkg]) => pkg))];
const names = missing.map(([cmd]) => cmd).join(' ');
if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.error(`missing test tools: ${names}; run: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
  process.exit(1);
}
console.error(`installing missing test tools (${names}): apt-get install -y ${packages.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed (exit ${r.status}); install by hand: apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
}
const still = missing.filter(([cmd]) => !onPath(cmd));
if (still.length) {
  console.error(`still missing after apt-get: ${still.map(([c]) => c).join(' ')}`);
  process.exit(1);
}
