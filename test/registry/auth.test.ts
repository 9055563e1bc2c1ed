import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { randomArtifact } from '../helpers/random.js';
import { ERROR_CODES } from '../../src/errors.js';

const PASSWORD = 'pa55-W0rd-xyzzy';
let reg: Registry;
let dir: string;
let src: string;
const outputs: CliResult[] = [];

before(async () => {
  reg = await startRegistry({ auth: { user: 'alice', password: PASSWORD } });
  dir = await tempDir();
  src = join(dir, 'src');
  await randomArtifact(new OciLayoutStore(src), { tag: 'v1' });
});
after(async () => {
  await reg?.stop();
  for (const o of outputs) {
    assert.ok(!o.stdout.includes(PASSWORD) && !o.stderr.includes(PASSWORD), 'the password never appears in output');
    assert.ok(!o.stderr.includes(Buffer.from(`alice:${PASSWORD}`).toString('base64')), 'nor its base64');
  }
});

async function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  const r = await runCli(args, { env, ...(input !== undefined ? { input } : {}) });
  outputs.push(r);
  return r;
}

test('login checks the credentials, stores them, and push/pull use them; logout removes them', async () => {
  const env = { DOCKER_CONFIG: join(dir, 'docker'), HOME: dir, XDG_RUNTIME_DIR: '', REGISTRY_AUTH_FILE: '' };
  const none = await cli(['copy', `oci:${src}:v1`, `${reg.host}/private/x:1`], env);
  assert.equal(none.code, ERROR_CODES.E_AUTH, none.stderr);
  assert.match(none.stderr, new RegExp(`no credentials for ${reg.host} in ${join(dir, 'docker', 'config.json')}`));

  const bad = await cli(['login', reg.host, '-u', 'alice', '--password-stdin'], env, 'wrong\n');
  assert.equal(bad.code, ERROR_CODES.E_AUTH);
  assert.equal(bad.stderr, `ocipkg: login to ${reg.host} failed: the registry refused the user name or password\n`);
  await assert.rejects(readFile(join(dir, 'docker', 'config.json')), 'nothing stored after a failed login');

  const onCmdline = await cli(['login', reg.host, '-u', 'alice', '-p', PASSWORD], env);
  assert.equal(onCmdline.code, ERROR_CODES.E_USAGE);

  const good = await cli(['login', reg.host, '-u', 'alice', '--password-stdin'], env, `${PASSWORD}\n`);
  assert.equal(good.code, 0, good.stderr);
  const config = JSON.parse(await readFile(join(dir, 'docker', 'config.json'), 'utf8'));
  assert.equal(Buffer.from(config.auths[reg.host].auth, 'base64').toString(), `alice:${PASSWORD}`);

  const push = await cli(['copy', `oci:${src}:v1`, `${reg.host}/private/x:1`], env);
  assert.equal(push.code, 0, push.stderr);
  const pull = await cli(['copy', `${reg.host}/private/x:1`, `oci:${join(dir, 'pulled')}:1`], env);
  assert.equal(pull.code, 0, pull.stderr);
  const debug = await cli(['inspect', `${reg.host}/private/x:nope`], { ...env, OCIPKG_DEBUG: '1' });
  assert.equal(debug.code, ERROR_CODES.E_NOT_FOUND);
  assert.match(debug.stderr, /http > HEAD/);

  const out = await cli(['logout', reg.host], env);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(JSON.parse(await readFile(join(dir, 'docker', 'config.json'), 'utf8')).auths[reg.host], undefined);
  const again = await cli(['logout', reg.host], env);
  assert.equal(again.code, ERROR_CODES.E_NOT_FOUND);
  assert.match(again.stderr, /not logged in to/);
});

test('a docker credential helper is asked for (and given) the credentials', async () => {
  const bin = join(dir, 'bin');
  const store = join(dir, 'helper-store.json');
  await mkdir(bin, { recursive: true });
  // A tiny helper speaking docker's credential-helper protocol, keeping one secret in a file.
  await writeFile(join(bin, 'docker-credential-ocitest'), `#!/bin/sh
case "$1" in
  get) read host; if [ -f "${store}" ]; then cat "${store}"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) cat > "${store}" ;;
  erase) read host; rm -f "${store}" ;;
esac
`);
  await chmod(join(bin, 'docker-credential-ocitest'), 0o755);
  const docker = join(dir, 'docker-helper');
  await mkdir(docker, { recursive: true });
  await writeFile(join(docker, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'ocitest' } }));
  const env = { DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}`, HOME: dir };
  const before = await cli(['tags', `${reg.host}/private/x`], env);
  assert.equal(before.code, ERROR_CODES.E_AUTH, before.stderr);
  const login = await cli(['login', reg.host, '-u', 'alice', '--password-stdin'], env, PASSWORD);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /docker-credential-ocitest/);
  assert.deepEqual(JSON.parse(await readFile(store, 'utf8')), { ServerURL: reg.host, Username: 'alice', Secret: PASSWORD });
  const tags = await cli(['tags', `${reg.host}/private/x`], env);
  assert.equal(tags.code, 0, tags.stderr);
  assert.equal(tags.stdout, '1\n');
  assert.ok(!JSON.stringify(JSON.parse(await readFile(join(docker, 'config.json'), 'utf8'))).includes(PASSWORD), 'the config file holds no secret');
});

test("login stores Docker Hub's credentials under docker's own key, so docker finds them too", async () => {
  const { storeKey, authKeys } = await import('../../src/content/registry/credentials.js');
  for (const alias of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.equal(storeKey(alias), 'https://index.docker.io/v1/');
    assert.ok(authKeys(alias).includes('https://index.docker.io/v1/'), 'and ocipkg reads it back for every alias');
  }
  assert.equal(storeKey('ghcr.io'), 'ghcr.io');
  assert.equal(storeKey('127.0.0.1:5000'), '127.0.0.1:5000');
});
