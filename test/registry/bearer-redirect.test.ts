import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startProxy, type Action, type Proxy } from '../helpers/proxy.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { randomArtifact } from '../helpers/random.js';
import { validateLayoutDir } from '../helpers/validate.js';

/*
 * The token flow and redirects, against the real registry behind an edge proxy that acts as
 * a token-auth front (like ghcr.io or Docker Hub): 401 + Bearer challenge without a token, a
 * /token endpoint that wants basic credentials, and blob GETs redirected to a second host
 * (127.0.0.2, standing in for S3/a CDN) which must never see the Authorization header.
 */
let reg: Registry;
let front: Proxy;
let cdn: Proxy;
const issued: { scope: string[]; n: number }[] = [];
const USER = 'bob';
const PASS = 'tok3n-pass';

before(async () => {
  reg = await startRegistry();
  cdn = await startProxy(reg.url, () => undefined, '127.0.0.2');
  front = await startProxy(reg.url, (req): Action => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`) return { respond: { status: 401, body: '{}' } };
      issued.push({ scope: url.searchParams.getAll('scope'), n: issued.length });
      return { respond: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: `tok-${issued.length}`, expires_in: 300 }) } };
    }
    if (!/^Bearer tok-\d+$/.test(req.headers.authorization ?? '')) {
      const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
      return {
        respond: {
          status: 401,
          headers: {
            'www-authenticate': `Bearer realm="${front.url}/token",service="test-registry"${repo ? `,scope="repository:${repo}:pull"` : ''}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
        },
      };
    }
    if (req.method === 'GET' && /\/blobs\/sha256:/.test(url.pathname)) {
      // Signed like a blob-storage URL: the signature must never be printed, not even in a trace.
      return { respond: { status: 307, headers: { location: `${cdn.url}${req.url}?X-Amz-Signature=SIGSECRET&X-Amz-Security-Token=TOKSECRET` } } };
    }
    return undefined;
  });
});
after(async () => {
  await front?.close();
  await cdn?.close();
  await reg?.stop();
});

test('bearer tokens are fetched with credentials, per scope, reused; redirects carry no credentials', async () => {
  const dir = await tempDir();
  await randomArtifact(new OciLayoutStore(join(dir, 'src')), { tag: 'v1', layers: 3 });
  const docker = join(dir, 'docker');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(docker);
  await writeFile(join(docker, 'config.json'), JSON.stringify({ auths: { [front.host]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } } }));
  const env = { DOCKER_CONFIG: docker };

  const push = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${front.host}/team/lib:1`], { env });
  assert.equal(push.code, 0, push.stderr);
  assert.ok(issued.some((t) => t.scope.includes('repository:team/lib:push,pull')), JSON.stringify(issued));
  // One token per scope set for the whole copy, not one per request.
  assert.ok(issued.length <= 3, `tokens issued: ${issued.length}`);

  issued.length = 0;
  const mount = await runCli(['copy', `${front.host}/team/lib:1`, `${front.host}/team/other:1`], { env });
  assert.equal(mount.code, 0, mount.stderr);
  assert.ok(issued.some((t) => t.scope.includes('repository:team/other:push,pull') && t.scope.includes('repository:team/lib:pull')), `mount asks for both repositories: ${JSON.stringify(issued)}`);

  cdn.seen.length = 0;
  const pull = await runCli(['copy', `${front.host}/team/lib:1`, `oci:${join(dir, 'pulled')}:1`], { env: { ...env, OCIPKG_DEBUG: '1' } });
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stderr, /ocipkg: http > GET http:\/\/127\.0\.0\.2:\d+\/v2\/team\/lib\/blobs\/sha256:[0-9a-f]+\?X-Amz-Signature=\*\*\*&X-Amz-Security-Token=\*\*\*/, 'the trace shows the redirect');
  for (const secret of ['SIGSECRET', 'TOKSECRET', PASS, Buffer.from(`${USER}:${PASS}`).toString('base64')]) assert.ok(!pull.stderr.includes(secret), `the trace hides ${secret}`);
  await validateLayoutDir(join(dir, 'pulled'));
  assert.ok(cdn.seen.length >= 4, `blobs came from the redirect target (${cdn.seen.length})`);
  for (const r of cdn.seen) assert.equal(r.headers.authorization, undefined, `${r.url} got no Authorization`);
});

test('without credentials the token service refuses and the error names the host', async () => {
  const dir = await tempDir();
  const r = await runCli(['inspect', `${front.host}/team/lib:1`], { env: { DOCKER_CONFIG: dir, HOME: dir } });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`^ocipkg: unauthorized: ${front.host.replace(/\./g, '\\.')} requires credentials for repository:team/lib:pull; there are none for ${front.host.replace(/\./g, '\\.')} in ${join(dir, 'config.json')}.* \\(ocipkg login ${front.host.replace(/\./g, '\\.')} stores them\\)$`, 'm'));

  // With credentials the token service does not accept, the error says where they came from.
  const docker = join(dir, 'docker');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(docker);
  await writeFile(join(docker, 'config.json'), JSON.stringify({ auths: { [front.host]: { auth: Buffer.from(`${USER}:wrong`).toString('base64') } } }));
  const bad = await runCli(['inspect', `${front.host}/team/lib:1`], { env: { DOCKER_CONFIG: docker, HOME: dir } });
  assert.equal(bad.code, 5, bad.stderr);
  assert.equal(bad.stderr, `ocipkg: unauthorized: ${front.host} refused the credentials from ${join(docker, 'config.json')} for repository:team/lib:pull\n`);
});
