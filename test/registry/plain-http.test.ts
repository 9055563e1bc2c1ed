import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { RegistryStore } from '../../src/content/registry/store.js';
import { createTransport, usesPlainHttp } from '../../src/content/registry/transport.js';
import { copy } from '../../src/copy.js';
import { runCli } from '../helpers/cli.js';
import { randomArtifact, type RandomArtifact } from '../helpers/random.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { skopeo } from '../helpers/tools.js';

/**
 * Which registries are spoken to over plain HTTP: loopback ones always, others only when listed in
 * OCIPKG_INSECURE_REGISTRIES or given --plain-http.
 */

test('usesPlainHttp: loopback names and addresses, with or without a port, are plain HTTP', () => {
  const env = {};
  for (const r of ['localhost', 'localhost:5000', '127.0.0.1', '127.0.0.1:5000', '127.1.2.3:80', '127.1.2.3', '127.255.255.254:65535', '[::1]', '[::1]:5000']) {
    assert.equal(usesPlainHttp(r, false, env), true, r);
  }
});

test('usesPlainHttp: everything else is HTTPS by default, including names that only look loopback', () => {
  const env = {};
  for (const r of [
    'docker.io',
    'ghcr.io',
    'registry.example.com',
    'registry.example.com:5000',
    '10.0.0.1:5000',
    '192.168.1.10',
    '128.0.0.1',
    '126.0.0.1:80',
    '0.0.0.0:5000',
    'localhost.example.com',
    'localhost.example.com:5000',
    'mylocalhost:5000',
    '127.0.0.1.nip.io',
    '127.0.0.1.nip.io:5000',
    '[::2]:5000',
    '[fd00::1]:5000',
  ]) {
    assert.equal(usesPlainHttp(r, false, env), false, r);
  }
});

test('usesPlainHttp: --plain-http makes any registry plain HTTP', () => {
  for (const r of ['registry.example.com', 'registry.example.com:5000', 'docker.io', '10.0.0.1:5000', '[fd00::1]:5000', 'localhost:5000']) {
    assert.equal(usesPlainHttp(r, true, {}), true, r);
  }
});

test('usesPlainHttp: OCIPKG_INSECURE_REGISTRIES lists host[:port], comma-separated, spaces ignored', () => {
  const env = { OCIPKG_INSECURE_REGISTRIES: ' reg.internal:5000 ,other.test,  10.0.0.5 ,,[fd00::1]:5000, ' };
  const cases: [string, boolean][] = [
    // host:port entries: that port only
    ['reg.internal:5000', true],
    ['reg.internal:5001', false],
    ['reg.internal', false],
    // host entries: any port
    ['other.test', true],
    ['other.test:8080', true],
    ['10.0.0.5', true],
    ['10.0.0.5:5000', true],
    ['10.0.0.6:5000', false],
    // IPv6 with a port, listed as given
    ['[fd00::1]:5000', true],
    ['[fd00::1]:5001', false],
    // other hosts stay HTTPS; entries are not prefixes or suffixes of names
    ['ghcr.io', false],
    ['docker.io', false],
    ['internal', false],
    ['reg.internal.evil.com:5000', false],
    ['evil-other.test', false],
    ['test', false],
    // host names are case-insensitive
    ['Reg.Internal:5000', true],
    ['OTHER.test:1', true],
    // loopback is plain HTTP regardless of the list
    ['localhost:5000', true],
    ['LOCALHOST:5000', true],
    ['127.1.2.3:80', true],
    ['[::1]:5000', true],
  ];
  for (const [r, want] of cases) assert.equal(usesPlainHttp(r, false, env), want, `${r} with ${env.OCIPKG_INSECURE_REGISTRIES}`);

  // An IPv6 host listed without its port covers every port.
  assert.equal(usesPlainHttp('[fd00::1]:5000', false, { OCIPKG_INSECURE_REGISTRIES: '[fd00::1]' }), true);
  assert.equal(usesPlainHttp('[fd00::2]:5000', false, { OCIPKG_INSECURE_REGISTRIES: '[fd00::1]' }), false);

  // Empty, blank or unset lists make nothing insecure.
  for (const list of [undefined, '', ' ', ',', ' , ']) {
    const e = list === undefined ? {} : { OCIPKG_INSECURE_REGISTRIES: list };
    assert.equal(usesPlainHttp('reg.internal:5000', false, e), false, JSON.stringify(list));
    assert.equal(usesPlainHttp('localhost:5000', false, e), true, JSON.stringify(list));
  }
  // A single entry, no comma.
  assert.equal(usesPlainHttp('reg.internal:5000', false, { OCIPKG_INSECURE_REGISTRIES: 'reg.internal:5000' }), true);
});

test('usesPlainHttp reads process.env when no environment is given', () => {
  const saved = process.env.OCIPKG_INSECURE_REGISTRIES;
  try {
    process.env.OCIPKG_INSECURE_REGISTRIES = 'from-process-env.test:1234';
    assert.equal(usesPlainHttp('from-process-env.test:1234'), true);
    assert.equal(usesPlainHttp('from-process-env.test:1235'), false);
    delete process.env.OCIPKG_INSECURE_REGISTRIES;
    assert.equal(usesPlainHttp('from-process-env.test:1234'), false);
    assert.equal(usesPlainHttp('127.0.0.1:1234'), true);
  } finally {
    if (saved === undefined) delete process.env.OCIPKG_INSECURE_REGISTRIES;
    else process.env.OCIPKG_INSECURE_REGISTRIES = saved;
  }
});

/*
 * End to end. A registry under a name that is not loopback needs DNS; a forward proxy gives us
 * one without: the client never resolves names it sends to a proxy. Plain HTTP reaches the proxy
 * as an absolute-form request (`GET http://NAME:PORT/v2/…`), which the proxy sends on to the test
 * registry on 127.0.0.1; HTTPS would be a CONNECT tunnel, which the proxy records and refuses.
 * So the proxy's log says which scheme ocipkg chose for the name.
 */
const NAME = 'registry.ocipkg.test';

async function namingProxy(port: number): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    if (target.hostname !== NAME) {
      res.writeHead(502).end(`no route to ${target.host}`);
      return;
    }
    // Host stays the registry's name, so the upload locations it builds point back at the name.
    const up = request({ host: '127.0.0.1', port, method: req.method, path: target.pathname + target.search, headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const sockets = new Set<Socket>();
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    sockets.add(client);
    client.on('error', () => {});
    client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    seen,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let reg: Registry;
let port: number;
let art: RandomArtifact;
let dir: string;
before(async () => {
  reg = await startRegistry();
  port = Number(reg.host.split(':')[1]);
  dir = await tempDir('ocipkg-plain-http-');
  const src = new OciLayoutStore(join(dir, 'src'));
  art = await randomArtifact(src, { tag: 'v1' });
  await copy(src, 'v1', new RegistryStore(createTransport(reg.host), 'plain/x'), 'v1');
});
after(async () => {
  await reg?.stop();
});

function proxyEnv(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: '',
    no_proxy: '',
    OCIPKG_INSECURE_REGISTRIES: '',
    OCIPKG_TIMEOUT: '10',
    ...extra,
  };
}

test('a registry under a non-loopback name: HTTPS by default and for unlisted names, plain HTTP with --plain-http or OCIPKG_INSECURE_REGISTRIES', async () => {
  const proxy = await namingProxy(port);
  const host = `${NAME}:${port}`;
  const manifest = art.blobs.get(art.root.digest)!.toString();
  const hostError = new RegExp(`^ocipkg: .*${host.replace(/\./g, '\\.')}`);
  try {
    // Default: HTTPS, i.e. a CONNECT tunnel the proxy refuses; the registry hears nothing.
    reg.resetRequests();
    for (const list of ['', `other.test, ${NAME}:${port + 1}, ${NAME}.other:${port}`]) {
      proxy.seen.length = 0;
      const r = await runCli(['inspect', `${host}/plain/x:v1`], { env: proxyEnv(proxy.url, { OCIPKG_INSECURE_REGISTRIES: list }) });
      assert.equal(r.code, 6, `HTTPS to a proxy that refuses tunnels is a network error (list ${JSON.stringify(list)}): ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, hostError);
      assert.ok(proxy.seen.length > 0, 'the proxy was asked');
      assert.ok(proxy.seen.every((s) => s === `CONNECT ${host}`), `only tunnels to ${host}: ${proxy.seen.join(', ')}`);
    }
    await reg.settle();
    assert.deepEqual(reg.requests(), [], 'nothing reached the registry over HTTPS attempts');

    // --plain-http: absolute-form requests through the proxy, no tunnel.
    proxy.seen.length = 0;
    const plain = await runCli(['inspect', '--plain-http', `${host}/plain/x:v1`], { env: proxyEnv(proxy.url) });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.trimEnd(), manifest);
    assert.ok(proxy.seen.includes(`HEAD http://${host}/v2/plain/x/manifests/v1`), proxy.seen.join('\n'));
    assert.ok(proxy.seen.includes(`GET http://${host}/v2/plain/x/manifests/${art.root.digest}`), proxy.seen.join('\n'));
    assert.ok(!proxy.seen.some((s) => s.startsWith('CONNECT')), proxy.seen.join('\n'));
    await reg.settle();
    assert.ok(reg.requests().some((q) => q.method === 'GET' && q.path === `/v2/plain/x/manifests/${art.root.digest}` && q.status === 200), 'the registry answered the manifest');

    const tags = await runCli(['tags', '--plain-http', `${host}/plain/x`], { env: proxyEnv(proxy.url) });
    assert.equal(tags.code, 0, tags.stderr);
    assert.equal(tags.stdout, 'v1\n');

    // OCIPKG_INSECURE_REGISTRIES naming host:port (among others, with spaces), then the host alone.
    for (const [i, list] of [` other.test , ${host} `, `${NAME}`].entries()) {
      proxy.seen.length = 0;
      const env = proxyEnv(proxy.url, { OCIPKG_INSECURE_REGISTRIES: list });
      const out = join(dir, `pulled-${i}`);
      const r = await runCli(['copy', `${host}/plain/x:v1`, `oci:${out}:v1`], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), art.root.digest);
      assert.equal((await new OciLayoutStore(out).resolve('v1')).digest, art.root.digest);
      assert.ok(proxy.seen.some((s) => s.startsWith(`GET http://${host}/v2/plain/x/blobs/sha256:`)), proxy.seen.join('\n'));
      assert.ok(!proxy.seen.some((s) => s.startsWith('CONNECT')), `no tunnel with list ${JSON.stringify(list)}: ${proxy.seen.join(', ')}`);
    }

    // A push (uploads follow the registry's Location under the same name) over plain HTTP.
    proxy.seen.length = 0;
    const push = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${host}/pushed/y:v2`], { env: proxyEnv(proxy.url, { OCIPKG_INSECURE_REGISTRIES: host }) });
    assert.equal(push.code, 0, push.stderr);
    assert.ok(proxy.seen.some((s) => s === `PUT http://${host}/v2/pushed/y/manifests/v2`), proxy.seen.join('\n'));
    assert.ok(!proxy.seen.some((s) => s.startsWith('CONNECT')), proxy.seen.join('\n'));
    const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/pushed/y:v2`]);
    assert.equal(raw, manifest, 'the registry holds what was pushed under the name');

    // install from package.json with --plain-http.
    const p = join(dir, 'proj');
    await mkdir(p, { recursive: true });
    await writeFile(join(p, 'package.json'), JSON.stringify({ name: 'x', ocipkg: { image: `${host}/plain/x:v1` } }));
    proxy.seen.length = 0;
    const inst = await runCli(['install', '--plain-http', '--platform', 'linux/amd64'], { cwd: p, env: proxyEnv(proxy.url, { OCIPKG_CACHE_DIR: join(dir, 'cache') }) });
    assert.equal(inst.code, 0, inst.stderr);
    const lock = JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8')) as { dependencies: Record<string, { digest: string }> };
    assert.equal(lock.dependencies.x?.digest, art.root.digest);
    assert.ok(proxy.seen.some((s) => s.startsWith(`GET http://${host}/v2/plain/x/blobs/sha256:`)), proxy.seen.join('\n'));
    assert.ok(!proxy.seen.some((s) => s.startsWith('CONNECT')), proxy.seen.join('\n'));

    // Without the flag, the same install goes for HTTPS and fails.
    proxy.seen.length = 0;
    const q = join(dir, 'proj2');
    await mkdir(q, { recursive: true });
    await writeFile(join(q, 'package.json'), JSON.stringify({ name: 'x', ocipkg: { image: `${host}/plain/x:v1` } }));
    const tls = await runCli(['install', '--platform', 'linux/amd64'], { cwd: q, env: proxyEnv(proxy.url, { OCIPKG_CACHE_DIR: join(dir, 'cache2') }) });
    assert.equal(tls.code, 6, tls.stderr);
    assert.match(tls.stderr, hostError);
    assert.ok(proxy.seen.length > 0 && proxy.seen.every((s) => s === `CONNECT ${host}`), proxy.seen.join(', '));
  } finally {
    await proxy.close();
  }
});

test('loopback registries need no flag: 127.0.0.1 and localhost are plain HTTP, --plain-http is accepted too', async () => {
  const digest = `sha256:${createHash('sha256').update(art.blobs.get(art.root.digest)!).digest('hex')}`;
  const cases: [string, string[]][] = [
    [`${reg.host}/plain/x:v1`, []],
    [`${reg.host}/plain/x:v1`, ['--plain-http']],
    [`localhost:${port}/plain/x:v1`, []],
  ];
  for (const [i, [ref, args]] of cases.entries()) {
    const out = join(dir, `loop-${i}`);
    const r = await runCli(['copy', ...args, ref, `oci:${out}:v1`], { env: { OCIPKG_INSECURE_REGISTRIES: '', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' } });
    assert.equal(r.code, 0, `${ref} ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), digest);
  }
});
