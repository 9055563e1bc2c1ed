import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { copy } from '../../src/copy.js';
import { runCli } from '../helpers/cli.js';
import { randomArtifact } from '../helpers/random.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { selfSignedCert } from '../helpers/tls.js';
import { RegistryStore } from '../../src/content/registry/store.js';
import { createTransport } from '../../src/content/registry/transport.js';

/**
 * A forward HTTP proxy (absolute-form requests and CONNECT tunnels), recording what it carried.
 * `routes` sends a CONNECT for a name to a loopback address instead (the proxy resolves names,
 * the client never does, so tests can use a registry name that is not loopback).
 */
async function forwardProxy(routes: Record<string, string> = {}): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (routes[req.url!] ?? req.url!).split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    sockets.add(up).add(client);
  });
  const sockets = new Set<Socket>();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { for (const so of sockets) so.destroy(); server.closeAllConnections(); server.close(() => r()); }) };
}

let reg: Registry;
before(async () => {
  reg = await startRegistry();
  const dir = await tempDir();
  const src = new OciLayoutStore(join(dir, 'src'));
  await randomArtifact(src, { tag: 'v1' });
  await copy(src, 'v1', new RegistryStore(createTransport(reg.host), 'proxied/x'), 'v1');
});
after(async () => {
  await reg?.stop();
});

test('HTTP_PROXY carries registry traffic, NO_PROXY bypasses it, and a dead proxy is named in the error', async () => {
  const proxy = await forwardProxy();
  const dir = await tempDir();
  try {
    const via = await runCli(['copy', `${reg.host}/proxied/x:v1`, `oci:${join(dir, 'a')}:v1`], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '' } });
    assert.equal(via.code, 0, via.stderr);
    assert.ok(proxy.seen.some((s) => s.startsWith(`GET http://${reg.host}/v2/proxied/x/blobs/sha256:`)), proxy.seen.join('\n'));
    assert.ok(!proxy.seen.some((s) => s.startsWith('CONNECT')), 'plain HTTP is not tunnelled');
    const n = proxy.seen.length;
    const bypass = await runCli(['copy', `${reg.host}/proxied/x:v1`, `oci:${join(dir, 'b')}:v1`], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    assert.equal(bypass.code, 0, bypass.stderr);
    assert.equal(proxy.seen.length, n, 'NO_PROXY hosts do not go through the proxy');
  } finally {
    await proxy.close();
  }
  const dead = await runCli(['inspect', `${reg.host}/proxied/x:v1`], { env: { HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' } });
  assert.equal(dead.code, 6, dead.stderr);
  assert.match(dead.stderr, /^ocipkg: network error talking to 127\.0\.0\.1:\d+ \(ECONNREFUSED\) via proxy 127\.0\.0\.1:9/);
  assert.equal(dead.stderr.trim().split('\n').length, 1);
});

test('HTTPS_PROXY tunnels TLS with CONNECT; NODE_EXTRA_CA_CERTS makes a private CA trusted, and without it the error says so', async () => {
  const dir = await tempDir();
  const name = 'registry.ocipkg.test';
  const cert = selfSignedCert(dir, name);
  const secure = await startRegistry({ tls: cert });
  const proxy = await forwardProxy({ [`${name}:443`]: secure.host });
  try {
    const src = new OciLayoutStore(join(dir, 'src'));
    const art = await randomArtifact(src, { tag: 'v1' });
    const env = { HTTPS_PROXY: proxy.url, NO_PROXY: '', NODE_EXTRA_CA_CERTS: cert.cert };
    const push = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${name}/secure/x:v1`], { env });
    assert.equal(push.code, 0, push.stderr);
    const pull = await runCli(['copy', `${name}/secure/x:v1`, `oci:${join(dir, 'back')}:v1`], { env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await new OciLayoutStore(join(dir, 'back')).resolve('v1')).digest, art.root.digest);
    assert.ok(proxy.seen.includes(`CONNECT ${name}:443`), proxy.seen.join('\n'));
    assert.ok(proxy.seen.every((s) => s.startsWith('CONNECT ')), `HTTPS is only ever tunnelled: ${proxy.seen.join(', ')}`);
    await secure.settle();
    const got = secure.requests();
    assert.ok(got.some((r) => r.method === 'PUT' && r.path === '/v2/secure/x/manifests/v1' && r.status === 201), 'the manifest went over TLS');
    assert.ok(got.some((r) => r.method === 'GET' && r.path.startsWith('/v2/secure/x/blobs/sha256:') && r.status === 200), 'the blobs came back over TLS');

    const untrusted = await runCli(['inspect', `${name}/secure/x:v1`], { env: { ...env, NODE_EXTRA_CA_CERTS: '' } });
    assert.equal(untrusted.code, 6, untrusted.stderr);
    assert.equal(untrusted.stderr.trim().split('\n').length, 1, untrusted.stderr);
    assert.match(untrusted.stderr, new RegExp(`^ocipkg: TLS: the certificate of ${name.replace(/\./g, '\\.')} is not trusted \\(self-signed certificate\\).*NODE_EXTRA_CA_CERTS`));
  } finally {
    await proxy.close();
    await secure.stop();
  }
});

test('proxyFor decides as undici does, so errors name the proxy only when one was used', async () => {
  const { proxyFor } = await import('../../src/content/registry/proxy.js');
  const u = (s: string) => new URL(s);
  const P = 'http://proxy:3128';
  assert.equal(proxyFor(u('http://reg.example/v2/'), { HTTP_PROXY: P }), P);
  assert.equal(proxyFor(u('https://reg.example/v2/'), { HTTP_PROXY: P }), P, 'HTTPS falls back to HTTP_PROXY');
  assert.equal(proxyFor(u('https://reg.example/v2/'), { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: P }), 'http://s:1');
  assert.equal(proxyFor(u('http://reg.example/v2/'), { HTTPS_PROXY: 'http://s:1' }), undefined, 'plain HTTP does not use HTTPS_PROXY');
  assert.equal(proxyFor(u('http://reg.example/v2/'), { http_proxy: 'http://lower:1', HTTP_PROXY: P }), 'http://lower:1', 'lower case first');
  assert.equal(proxyFor(u('http://reg.example/v2/'), { HTTP_PROXY: P, NO_PROXY: '*' }), undefined);
  assert.equal(proxyFor(u('http://reg.example/v2/'), { HTTP_PROXY: P, NO_PROXY: 'other, reg.example' }), undefined);
  assert.equal(proxyFor(u('http://a.reg.example/v2/'), { HTTP_PROXY: P, NO_PROXY: '.reg.example' }), undefined, 'subdomains');
  assert.equal(proxyFor(u('http://a.reg.example/v2/'), { HTTP_PROXY: P, NO_PROXY: '*.reg.example' }), undefined);
  assert.equal(proxyFor(u('http://xreg.example/v2/'), { HTTP_PROXY: P, NO_PROXY: 'reg.example' }), P, 'not a suffix match on the name');
  assert.equal(proxyFor(u('http://127.0.0.1:5000/v2/'), { HTTP_PROXY: P, NO_PROXY: '127.0.0.1:5000' }), undefined);
  assert.equal(proxyFor(u('http://127.0.0.1:5001/v2/'), { HTTP_PROXY: P, NO_PROXY: '127.0.0.1:5000' }), P, 'the port must match when given');
  assert.equal(proxyFor(u('https://reg.example/v2/'), { HTTPS_PROXY: P, NO_PROXY: 'reg.example:443' }), undefined, 'default port');

  // End to end: a dead registry with the proxy bypassed by NO_PROXY names no proxy.
  const r = await runCli(['inspect', '127.0.0.1:9/x/y:1'], { env: { HTTP_PROXY: 'http://user:secret@127.0.0.1:7', NO_PROXY: '127.0.0.1' } });
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /^ocipkg: network error talking to 127\.0\.0\.1:9 \(ECONNREFUSED\) \(/);
  assert.ok(!r.stderr.includes('via proxy'), r.stderr);
  const via = await runCli(['inspect', '127.0.0.1:9/x/y:1'], { env: { HTTP_PROXY: 'http://user:secret@127.0.0.1:7', NO_PROXY: '' } });
  assert.match(via.stderr, /via proxy 127\.0\.0\.1:7 \(/);
  assert.ok(!via.stderr.includes('secret'), 'proxy credentials are not printed');
});
