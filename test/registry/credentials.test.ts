import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startProxy, type Action, type Proxy } from '../helpers/proxy.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { randomArtifact } from '../helpers/random.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { ERROR_CODES, OcipkgError } from '../../src/errors.js';
import { authKeys, containersAuthFiles, findCredentials, helperFor, lookupFiles } from '../../src/content/registry/credentials.js';

/*
 * Credential sources other than `auths`/`credHelpers` in $DOCKER_CONFIG/config.json (auth.test.ts
 * covers those): REGISTRY_AUTH_FILE and the containers auth.json files, a global credsStore, docker
 * identity tokens (OAuth2 refresh-token grant against a token service), Docker Hub's aliases, and
 * that no secret is ever printed. End to end against a real htpasswd registry wherever a pull can
 * only succeed with the right credentials; unit tests of the lookup where that is awkward.
 */

const USER = 'alice';
const PASSWORD = 'pa55-W0rd-credz';
const WRONG = 'not-the-Passw0rd';
const IDTOKEN = `idtok-${randomBytes(12).toString('hex')}`;
const b64 = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
const SECRETS = [PASSWORD, b64(USER, PASSWORD), WRONG, b64(USER, WRONG), IDTOKEN];

let reg: Registry;
let dir: string;
let ref: string;
const outputs: { what: string; r: CliResult }[] = [];

function assertNoSecret(r: CliResult, what: string): void {
  for (const s of SECRETS) {
    assert.ok(!r.stdout.includes(s), `${what}: stdout shows a secret (${s.slice(0, 4)}…):\n${r.stdout}`);
    assert.ok(!r.stderr.includes(s), `${what}: stderr shows a secret (${s.slice(0, 4)}…):\n${r.stderr}`);
  }
}

before(async () => {
  reg = await startRegistry({ auth: { user: USER, password: PASSWORD } });
  dir = await tempDir();
  const src = join(dir, 'src');
  await randomArtifact(new OciLayoutStore(src), { tag: 'v1' });
  const docker = join(dir, 'push-docker');
  await writeJson(join(docker, 'config.json'), authsFor(reg.host, USER, PASSWORD));
  ref = `${reg.host}/private/creds:1`;
  const push = await runCli(['copy', `oci:${src}:v1`, ref], { env: { ...isolated(join(dir, 'push-home')), DOCKER_CONFIG: docker } });
  assert.equal(push.code, 0, push.stderr);
});
after(async () => {
  await reg?.stop();
  for (const o of outputs) assertNoSecret(o.r, o.what);
});

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value));
}

function authsFor(host: string, user: string, pass: string): { auths: Record<string, { auth: string }> } {
  return { auths: { [host]: { auth: b64(user, pass) } } };
}

/** An environment in which no credential file outside `home` can be read. */
function isolated(home: string): NodeJS.ProcessEnv {
  return { HOME: home, DOCKER_CONFIG: join(home, 'no-docker'), REGISTRY_AUTH_FILE: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: join(home, 'no-xdg') };
}

let n = 0;
async function freshHome(): Promise<string> {
  const h = join(dir, `home-${++n}`);
  await mkdir(h, { recursive: true });
  return h;
}

async function cli(what: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await runCli(args, { env });
  outputs.push({ what, r });
  return r;
}

function assertPulled(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  assert.equal(JSON.parse(r.stdout).schemaVersion, 2, `${what}: the manifest is printed`);
}

/** Refused by the registry, with credentials found in `from` (the error says where they came from). */
function assertRefused(r: CliResult, what: string, from: string): void {
  assert.equal(r.code, ERROR_CODES.E_AUTH, `${what}: ${r.stderr}`);
  assert.ok(r.stderr.includes(`with the stored credentials from ${from}`), `${what}: credentials from ${from} were sent, and refused: ${r.stderr}`);
}

/**
 * A `docker-credential-NAME` in `bin` answering `get` for the hosts in `answers` (the JSON docker
 * helpers print) and "credentials not found" for any other; every host asked for is appended to `log`.
 */
async function credentialHelper(bin: string, name: string, answers: Record<string, { Username: string; Secret: string }>, log: string): Promise<void> {
  await mkdir(bin, { recursive: true });
  const cases = Object.entries(answers)
    .map(([host, a]) => `    '${host}') echo '${JSON.stringify({ ServerURL: host, ...a })}' ;;`)
    .join('\n');
  await writeFile(
    join(bin, `docker-credential-${name}`),
    `#!/bin/sh
[ "$1" = get ] || exit 2
read host
echo "$host" >> '${log}'
case "$host" in
${cases}
    *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await chmod(join(bin, `docker-credential-${name}`), 0o755);
}

async function logLines(path: string): Promise<string[]> {
  return existsSync(path) ? (await readFile(path, 'utf8')).split('\n').filter(Boolean) : [];
}

// --- REGISTRY_AUTH_FILE and the containers auth.json files, end to end ---

test('REGISTRY_AUTH_FILE: a podman/skopeo auth.json is read; without it the pull is refused and the error names it', async () => {
  const home = await freshHome();
  const authFile = join(home, 'podman', 'auth.json');
  const none = await cli('no credentials', ['inspect', ref], { ...isolated(home), REGISTRY_AUTH_FILE: authFile });
  assert.equal(none.code, ERROR_CODES.E_AUTH, none.stderr);
  assert.match(none.stderr, new RegExp(`no credentials for ${reg.host.replace(/\./g, '\\.')} in `));
  assert.ok(none.stderr.includes(authFile), `the lookup names REGISTRY_AUTH_FILE: ${none.stderr}`);

  await writeJson(authFile, authsFor(reg.host, USER, PASSWORD));
  assertPulled(await cli('REGISTRY_AUTH_FILE', ['inspect', ref], { ...isolated(home), REGISTRY_AUTH_FILE: authFile }), 'REGISTRY_AUTH_FILE');

  // The entry really is what is sent: a wrong one there is refused.
  const bad = join(home, 'podman', 'bad.json');
  await writeJson(bad, authsFor(reg.host, USER, WRONG));
  assertRefused(await cli('REGISTRY_AUTH_FILE wrong', ['inspect', ref], { ...isolated(home), REGISTRY_AUTH_FILE: bad }), 'a wrong REGISTRY_AUTH_FILE', bad);

  // podman writes keys as bare hosts, but a scheme and a trailing slash are accepted too.
  const url = join(home, 'podman', 'url.json');
  await writeJson(url, { auths: { [`https://${reg.host}/`]: { auth: b64(USER, PASSWORD) } } });
  assertPulled(await cli('REGISTRY_AUTH_FILE url key', ['inspect', ref], { ...isolated(home), REGISTRY_AUTH_FILE: url }), 'a URL key');
});

test('precedence: an explicit REGISTRY_AUTH_FILE is consulted before $DOCKER_CONFIG/config.json, which it falls back to', async () => {
  const home = await freshHome();
  const docker = join(home, 'docker');
  const good = join(home, 'good.json');
  const bad = join(home, 'bad.json');
  await writeJson(good, authsFor(reg.host, USER, PASSWORD));
  await writeJson(bad, authsFor(reg.host, USER, WRONG));

  // config.json has (wrong) credentials for the host, REGISTRY_AUTH_FILE the right ones: the explicit file wins.
  await writeJson(join(docker, 'config.json'), authsFor(reg.host, USER, WRONG));
  assertPulled(await cli('docker wrong, authfile right', ['inspect', ref], { ...isolated(home), DOCKER_CONFIG: docker, REGISTRY_AUTH_FILE: good }), 'REGISTRY_AUTH_FILE first');

  // config.json right, REGISTRY_AUTH_FILE wrong: the explicit file's are used, and named.
  await writeJson(join(docker, 'config.json'), authsFor(reg.host, USER, PASSWORD));
  assertRefused(await cli('docker right, authfile wrong', ['inspect', ref], { ...isolated(home), DOCKER_CONFIG: docker, REGISTRY_AUTH_FILE: bad }), 'REGISTRY_AUTH_FILE first', bad);

  // REGISTRY_AUTH_FILE has nothing for this host: config.json is read.
  const other = join(home, 'other.json');
  await writeJson(other, authsFor('other.example:5000', USER, WRONG));
  assertPulled(await cli('authfile other host, docker right', ['inspect', ref], { ...isolated(home), DOCKER_CONFIG: docker, REGISTRY_AUTH_FILE: other }), 'fall through');
});

test('the containers auth.json locations: $XDG_RUNTIME_DIR, $XDG_CONFIG_HOME, ~/.config; and ~/.docker without DOCKER_CONFIG', async () => {
  const home = await freshHome();
  const runtime = join(home, 'run');
  await writeJson(join(runtime, 'containers', 'auth.json'), authsFor(reg.host, USER, PASSWORD));
  assertPulled(await cli('XDG_RUNTIME_DIR', ['inspect', ref], { ...isolated(home), XDG_RUNTIME_DIR: runtime }), '$XDG_RUNTIME_DIR/containers/auth.json');
  // The same environment without XDG_RUNTIME_DIR finds nothing (the file above is what was used).
  const without = await cli('XDG_RUNTIME_DIR unset', ['inspect', ref], isolated(home));
  assert.equal(without.code, ERROR_CODES.E_AUTH, without.stderr);
  assert.match(without.stderr, /no credentials for/);

  const xdg = join(home, 'xdg-config');
  await writeJson(join(xdg, 'containers', 'auth.json'), authsFor(reg.host, USER, PASSWORD));
  assertPulled(await cli('XDG_CONFIG_HOME', ['inspect', ref], { ...isolated(home), XDG_CONFIG_HOME: xdg }), '$XDG_CONFIG_HOME/containers/auth.json');

  const home2 = await freshHome();
  await writeJson(join(home2, '.config', 'containers', 'auth.json'), authsFor(reg.host, USER, PASSWORD));
  assertPulled(await cli('~/.config', ['inspect', ref], { ...isolated(home2), XDG_CONFIG_HOME: '' }), '~/.config/containers/auth.json');

  const home3 = await freshHome();
  await writeJson(join(home3, '.docker', 'config.json'), authsFor(reg.host, USER, PASSWORD));
  assertPulled(await cli('~/.docker', ['inspect', ref], { ...isolated(home3), DOCKER_CONFIG: '' }), '~/.docker/config.json');
});

test('unit: credentials are looked for in REGISTRY_AUTH_FILE, config.json, $XDG_RUNTIME_DIR, $XDG_CONFIG_HOME, in that order', async () => {
  const home = await freshHome();
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    DOCKER_CONFIG: join(home, 'docker'),
    REGISTRY_AUTH_FILE: join(home, 'env', 'auth.json'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, 'cfg'),
  };
  assert.deepEqual(containersAuthFiles(env), [join(home, 'run', 'containers', 'auth.json'), join(home, 'cfg', 'containers', 'auth.json')]);
  assert.deepEqual(lookupFiles(env), [env.REGISTRY_AUTH_FILE, join(home, 'docker', 'config.json'), ...containersAuthFiles(env)]);
  const host = 'registry.test:5000';
  assert.equal(await findCredentials(host, env), undefined, 'nothing anywhere');
  await writeJson(join(home, 'cfg', 'containers', 'auth.json'), authsFor(host, 'config-home', 'p1'));
  assert.deepEqual(await findCredentials(host, env), { username: 'config-home', password: 'p1', from: join(home, 'cfg', 'containers', 'auth.json') });
  await writeJson(join(home, 'run', 'containers', 'auth.json'), authsFor(host, 'runtime', 'p2'));
  assert.deepEqual(await findCredentials(host, env), { username: 'runtime', password: 'p2', from: join(home, 'run', 'containers', 'auth.json') });
  await writeJson(join(home, 'docker', 'config.json'), authsFor(host, 'docker', 'p4'));
  assert.deepEqual(await findCredentials(host, env), { username: 'docker', password: 'p4', from: join(home, 'docker', 'config.json') });
  await writeJson(env.REGISTRY_AUTH_FILE!, authsFor(host, 'authfile', 'p3'));
  assert.deepEqual(await findCredentials(host, env), { username: 'authfile', password: 'p3', from: env.REGISTRY_AUTH_FILE });
  await writeJson(env.REGISTRY_AUTH_FILE!, {});
  // Entries for other hosts do not match, and a file without the host is passed over.
  assert.equal(await findCredentials('registry.test:5001', env), undefined);
  assert.equal(await findCredentials('registry.test', env), undefined);

  // username/password entries (no `auth`) are read too.
  await writeJson(join(home, 'docker', 'config.json'), { auths: { [host]: { username: 'plain', password: 'p5' } } });
  assert.deepEqual(await findCredentials(host, env), { username: 'plain', password: 'p5', from: join(home, 'docker', 'config.json') });

  // A malformed auth file is a configuration error naming the file, not "no credentials".
  await writeJson(join(home, 'docker', 'config.json'), {});
  await writeFile(env.REGISTRY_AUTH_FILE!, '{"auths": {');
  await assert.rejects(findCredentials(host, env), (e: unknown) => e instanceof OcipkgError && e.code === 'E_CONFIG' && e.message.includes(env.REGISTRY_AUTH_FILE!));
});

// --- credsStore, end to end ---

test('credsStore: the global helper is asked for the host; credHelpers for the host wins over it', async () => {
  const home = await freshHome();
  const bin = join(home, 'bin');
  const goodLog = join(home, 'good.log');
  const badLog = join(home, 'bad.log');
  await credentialHelper(bin, 'ocigood', { [reg.host]: { Username: USER, Secret: PASSWORD } }, goodLog);
  await credentialHelper(bin, 'ocibad', { [reg.host]: { Username: USER, Secret: WRONG } }, badLog);
  const docker = join(home, 'docker');
  const env = { ...isolated(home), DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` };

  await writeJson(join(docker, 'config.json'), { credsStore: 'ocigood' });
  assertPulled(await cli('credsStore', ['inspect', ref], env), 'credsStore');
  assert.deepEqual(await logLines(goodLog), [reg.host], 'the helper was asked for the registry host, once');

  // The other helper's answer is refused by the registry (so the next case means something)…
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocibad' });
  assertRefused(await cli('credsStore wrong', ['inspect', ref], env), 'credsStore with wrong credentials', 'docker-credential-ocibad');
  assert.deepEqual(await logLines(badLog), [reg.host]);

  // …and credHelpers for the host is used instead of credsStore, which is not even asked.
  await writeFile(goodLog, '');
  await writeFile(badLog, '');
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocibad', credHelpers: { [reg.host]: 'ocigood' } });
  assertPulled(await cli('credHelpers over credsStore', ['inspect', ref], env), 'credHelpers over credsStore');
  assert.deepEqual(await logLines(goodLog), [reg.host]);
  assert.deepEqual(await logLines(badLog), [], 'credsStore not consulted');

  // credHelpers for another host leaves credsStore in charge of this one.
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocigood', credHelpers: { 'other.example:5000': 'ocibad' } });
  assertPulled(await cli('credHelpers other host', ['inspect', ref], env), 'credHelpers for another host');
  assert.deepEqual(await logLines(badLog), []);
  assert.equal(helperFor({ credsStore: 'ocigood', credHelpers: { 'other.example:5000': 'ocibad' } }, reg.host), 'ocigood');
});

test('credsStore naming a helper that is not installed is a configuration error naming it', async () => {
  const home = await freshHome();
  const docker = join(home, 'docker');
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocimissing' });
  const r = await cli('missing helper', ['inspect', ref], { ...isolated(home), DOCKER_CONFIG: docker });
  assert.equal(r.code, ERROR_CODES.E_CONFIG, r.stderr);
  assert.match(r.stderr, /docker-credential-ocimissing could not run/);
});

// --- identity tokens: OAuth2 refresh-token grant against a token service, end to end ---

interface TokenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

test('identitytoken is sent as an OAuth2 refresh token (POST) to the token realm, never to the registry', async (t) => {
  const open = await startRegistry();
  const tokenRequests: TokenRequest[] = [];
  const issued = new Set<string>();
  const tokenServer: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      tokenRequests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const form = new URLSearchParams(body);
      if (req.method === 'POST' && req.url === '/token' && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === IDTOKEN) {
        const token = `acc-${randomBytes(8).toString('hex')}`;
        issued.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, expires_in: 300, refresh_token: IDTOKEN }));
        return;
      }
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_grant"}');
    });
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  const front: Proxy = await startProxy(open.url, (req): Action => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer && issued.has(bearer)) return undefined;
    const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(new URL(req.url!, 'http://x').pathname)?.[1];
    return {
      respond: {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${realm}",service="front-test"${repo ? `,scope="repository:${repo}:pull"` : ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      },
    };
  });
  t.after(async () => {
    await front.close();
    tokenServer.closeAllConnections();
    await new Promise((r) => tokenServer.close(r));
    await open.stop();
  });

  const home = await freshHome();
  const src = join(home, 'src');
  await randomArtifact(new OciLayoutStore(src), { tag: 'v1' });
  const push = await cli('push to open registry', ['copy', `oci:${src}:v1`, `${open.host}/team/lib:1`], isolated(home));
  assert.equal(push.code, 0, push.stderr);
  const target = `${front.host}/team/lib:1`;
  const docker = join(home, 'docker');

  const checkGrant = (what: string) => {
    assert.ok(tokenRequests.length >= 1, `${what}: the token service was asked`);
    for (const r of tokenRequests) {
      assert.equal(r.method, 'POST', `${what}: refresh-token grant is a POST`);
      assert.equal(r.url, '/token', `${what}: nothing in the query string`);
      assert.match(String(r.headers['content-type']), /^application\/x-www-form-urlencoded/);
      assert.equal(r.headers.authorization, undefined, `${what}: no basic credentials with a refresh token`);
      const form = new URLSearchParams(r.body);
      assert.equal(form.get('grant_type'), 'refresh_token');
      assert.equal(form.get('refresh_token'), IDTOKEN);
      assert.equal(form.get('service'), 'front-test');
      assert.equal(form.get('scope'), 'repository:team/lib:pull');
      assert.ok(form.get('client_id'), `${what}: a client_id, which the OAuth2 grant requires`);
    }
    for (const r of front.seen) {
      assert.ok(!JSON.stringify(r.headers).includes(IDTOKEN), `${what}: the registry never sees the identity token`);
      assert.ok(!/^Basic /.test(r.headers.authorization ?? ''), `${what}: no basic auth to the registry`);
    }
  };

  // identitytoken next to a (wrong) auth: the identity token is what is used.
  await writeJson(join(docker, 'config.json'), { auths: { [front.host]: { auth: b64('<token>', WRONG), identitytoken: IDTOKEN } } });
  const pulled = await cli('identitytoken', ['inspect', target], { ...isolated(home), DOCKER_CONFIG: docker });
  assertPulled(pulled, 'identitytoken');
  checkGrant('config.json identitytoken');
  assert.ok(front.seen.some((r) => /^Bearer acc-/.test(r.headers.authorization ?? '')), 'the access token reached the registry');

  // A credential helper answering Username "<token>" gives an identity token too.
  tokenRequests.length = 0;
  front.seen.length = 0;
  const bin = join(home, 'bin');
  await credentialHelper(bin, 'ocitoken', { [front.host]: { Username: '<token>', Secret: IDTOKEN } }, join(home, 'token.log'));
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocitoken' });
  assertPulled(await cli('helper <token>', ['inspect', target], { ...isolated(home), DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` }), 'helper <token>');
  checkGrant('helper <token>');

  // A refresh token the service refuses is an authentication error.
  tokenRequests.length = 0;
  await writeJson(join(docker, 'config.json'), { auths: { [front.host]: { identitytoken: `${IDTOKEN}-revoked` } } });
  const refused = await cli('identitytoken refused', ['inspect', target], { ...isolated(home), DOCKER_CONFIG: docker, OCIPKG_DEBUG: '1' });
  assert.equal(refused.code, ERROR_CODES.E_AUTH, refused.stderr);
  assert.ok(refused.stderr.includes(`refused the credentials from ${join(docker, 'config.json')}`), refused.stderr);
  assert.ok(!refused.stderr.includes(IDTOKEN), 'the identity token is not printed');
  assert.equal(tokenRequests.length, 1);
  assert.equal(new URLSearchParams(tokenRequests[0]!.body).get('refresh_token'), `${IDTOKEN}-revoked`);
});

// --- Docker Hub aliases, unit ---

test('unit: credentials stored under https://index.docker.io/v1/ are found for docker.io and its aliases', async () => {
  const home = await freshHome();
  const env: NodeJS.ProcessEnv = { HOME: home, DOCKER_CONFIG: join(home, 'docker'), XDG_CONFIG_HOME: join(home, 'cfg') };
  await writeJson(join(home, 'docker', 'config.json'), { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser', 'hubpass') } } });
  for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.deepEqual(await findCredentials(name, env), { username: 'hubuser', password: 'hubpass', from: join(home, 'docker', 'config.json') }, name);
    assert.ok(authKeys(name).includes('https://index.docker.io/v1/'), name);
  }
  for (const name of ['ghcr.io', 'docker.io.example.com', 'example.com', 'registry-1.docker.io.evil:443']) {
    assert.equal(await findCredentials(name, env), undefined, `${name} gets no Docker Hub credentials`);
  }

  // podman writes Docker Hub as "docker.io" in auth.json: found for every alias as well.
  const env2: NodeJS.ProcessEnv = { HOME: home, DOCKER_CONFIG: join(home, 'none'), XDG_CONFIG_HOME: join(home, 'cfg'), REGISTRY_AUTH_FILE: join(home, 'podman.json') };
  await writeJson(env2.REGISTRY_AUTH_FILE!, { auths: { 'docker.io': { auth: b64('podhub', 'podpass') } } });
  for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.deepEqual(await findCredentials(name, env2), { username: 'podhub', password: 'podpass', from: env2.REGISTRY_AUTH_FILE }, name);
  }
});

test('unit: a Docker Hub credential helper keyed https://index.docker.io/v1/ is asked with that server URL', async (t) => {
  const home = await freshHome();
  const bin = join(home, 'bin');
  const log = join(home, 'hub.log');
  await credentialHelper(bin, 'ocihub', { 'https://index.docker.io/v1/': { Username: 'hubuser', Secret: 'hubsecret' } }, log);
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath}`; // runHelper spawns with this process's PATH
  t.after(() => {
    process.env.PATH = savedPath;
  });
  const env: NodeJS.ProcessEnv = { HOME: home, DOCKER_CONFIG: join(home, 'docker'), XDG_CONFIG_HOME: join(home, 'cfg') };
  await writeJson(join(home, 'docker', 'config.json'), { credHelpers: { 'https://index.docker.io/v1/': 'ocihub' } });
  for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.equal(helperFor({ credHelpers: { 'https://index.docker.io/v1/': 'ocihub' } }, name), 'ocihub', name);
    await writeFile(log, '');
    assert.deepEqual(await findCredentials(name, env), { username: 'hubuser', password: 'hubsecret', from: 'docker-credential-ocihub' }, name);
    assert.deepEqual(await logLines(log), ['https://index.docker.io/v1/'], `${name}: asked with Docker Hub's server URL`);
  }
  assert.equal(helperFor({ credHelpers: { 'https://index.docker.io/v1/': 'ocihub' } }, 'ghcr.io'), undefined);
});

// --- secrets in output ---

test('OCIPKG_DEBUG=1: no password, base64 auth or identity token in the output, succeeding or failing', async () => {
  const home = await freshHome();
  const bin = join(home, 'bin');
  await credentialHelper(bin, 'dbggood', { [reg.host]: { Username: USER, Secret: PASSWORD } }, join(home, 'g.log'));
  await credentialHelper(bin, 'dbgbad', { [reg.host]: { Username: USER, Secret: WRONG } }, join(home, 'b.log'));
  const good = join(home, 'good.json');
  const bad = join(home, 'bad.json');
  await writeJson(good, authsFor(reg.host, USER, PASSWORD));
  await writeJson(bad, authsFor(reg.host, USER, WRONG));
  const storeGood = join(home, 'store-good');
  const storeBad = join(home, 'store-bad');
  await writeJson(join(storeGood, 'config.json'), { credsStore: 'dbggood' });
  await writeJson(join(storeBad, 'config.json'), { credsStore: 'dbgbad' });
  const base = { ...isolated(home), OCIPKG_DEBUG: '1', PATH: `${bin}:${process.env.PATH}` };
  const missing = `${reg.host}/private/creds:nope`;
  const runs: [string, string[], NodeJS.ProcessEnv, number][] = [
    ['authfile pull', ['inspect', ref], { ...base, REGISTRY_AUTH_FILE: good }, 0],
    ['authfile copy', ['copy', ref, `oci:${join(home, 'pulled')}:1`], { ...base, REGISTRY_AUTH_FILE: good }, 0],
    ['authfile not found', ['inspect', missing], { ...base, REGISTRY_AUTH_FILE: good }, ERROR_CODES.E_NOT_FOUND],
    ['authfile refused', ['inspect', ref], { ...base, REGISTRY_AUTH_FILE: bad }, ERROR_CODES.E_AUTH],
    ['credsStore pull', ['inspect', ref], { ...base, DOCKER_CONFIG: storeGood }, 0],
    ['credsStore not found', ['inspect', missing], { ...base, DOCKER_CONFIG: storeGood }, ERROR_CODES.E_NOT_FOUND],
    ['credsStore refused', ['inspect', ref], { ...base, DOCKER_CONFIG: storeBad }, ERROR_CODES.E_AUTH],
    ['push refused', ['copy', ref, `${reg.host}/private/other:1`], { ...base, REGISTRY_AUTH_FILE: bad }, ERROR_CODES.E_AUTH],
  ];
  for (const [what, args, env, code] of runs) {
    const r = await cli(what, args, env);
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(r.stderr, /ocipkg: http > (HEAD|GET) /, `${what}: the debug trace is on`);
    if (code !== 0) assert.match(r.stderr, /\n\s+at /, `${what}: the stack is printed`);
    assertNoSecret(r, what);
  }
});

test('a credential helper printing something other than JSON does not get its output (the secret) echoed', async () => {
  // A hand-written helper that prints the bare secret instead of docker's JSON answer.
  const home = await freshHome();
  const bin = join(home, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'docker-credential-ocibare'), `#!/bin/sh\nread host\necho '${PASSWORD}'\n`);
  await chmod(join(bin, 'docker-credential-ocibare'), 0o755);
  const docker = join(home, 'docker');
  await writeJson(join(docker, 'config.json'), { credsStore: 'ocibare' });
  for (const debug of ['', '1']) {
    const r = await runCli(['inspect', ref], { env: { ...isolated(home), DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}`, OCIPKG_DEBUG: debug } });
    assert.equal(r.code, ERROR_CODES.E_CONFIG, r.stderr);
    assert.match(r.stderr, /^ocipkg: credential helper docker-credential-ocibare get answered with something that is not JSON$/m);
    assertNoSecret(r, `bare-secret helper${debug ? ', OCIPKG_DEBUG=1' : ''}`);
  }
});
