import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { startProxy, type Action } from '../helpers/proxy.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { randomArtifact, type RandomArtifact } from '../helpers/random.js';
import { validateLayoutDir } from '../helpers/validate.js';
import { ERROR_CODES } from '../../src/errors.js';

/** Faults injected by a proxy in front of the real registry: recovered, or one clear line and nothing corrupt. */
let reg: Registry;
let dir: string;
let art: RandomArtifact;
let bigLayer: string;

before(async () => {
  reg = await startRegistry();
  dir = await tempDir();
  art = await randomArtifact(new OciLayoutStore(join(dir, 'src')), { tag: 'v1', layers: 2, layerSize: 300_000 });
  const r = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${reg.host}/faults/x:1`]);
  assert.equal(r.code, 0, r.stderr);
  bigLayer = [...art.blobs].sort((a, b) => b[1].length - a[1].length)[0]![0];
});
after(async () => {
  await reg?.stop();
});

async function pullThrough(rule: (url: string, method: string, n: number) => Action, out: string, env: NodeJS.ProcessEnv = {}) {
  const counts = new Map<string, number>();
  const proxy = await startProxy(reg.url, (req) => {
    const key = `${req.method} ${req.url}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return rule(req.url!, req.method!, counts.get(key)!);
  });
  try {
    const started = Date.now();
    const r = await runCli(['copy', `${proxy.host}/faults/x:1`, `oci:${join(dir, out)}:1`], { env });
    return { r, proxy, ms: Date.now() - started };
  } finally {
    await proxy.close();
  }
}

test('a connection reset mid-blob is resumed with a Range request', async () => {
  const { r, proxy } = await pullThrough((url, method, n) => (method === 'GET' && url.includes(bigLayer) && n === 1 ? { resetAfter: 100_000 } : undefined), 'reset');
  assert.equal(r.code, 0, r.stderr);
  const ranged = proxy.seen.filter((s) => s.url.includes(bigLayer) && s.method === 'GET');
  assert.equal(ranged.length, 2);
  assert.match(String(ranged[1]!.headers.range), /^bytes=\d+-$/);
  assert.ok(Number(/bytes=(\d+)-/.exec(String(ranged[1]!.headers.range))![1]) > 0, String(ranged[1]!.headers.range));
  await validateLayoutDir(join(dir, 'reset'));
});

test('500 and 429 with Retry-After are retried', async () => {
  const { r, proxy, ms } = await pullThrough((url, method, n) => {
    if (url.includes('/manifests/') && method === 'GET' && n === 1) return { respond: { status: 500, body: 'oops' } };
    if (url.includes(bigLayer) && n === 1) return { respond: { status: 429, headers: { 'retry-after': '1' } } };
    return undefined;
  }, 'retried');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(ms >= 1000, 'waited for Retry-After');
  assert.ok(proxy.seen.filter((s) => s.url.includes(bigLayer)).length >= 2);
  await validateLayoutDir(join(dir, 'retried'));
});

test('silent connections are dropped after OCIPKG_TIMEOUT: a request is retried, a stalled download resumed', async () => {
  const { r, proxy, ms } = await pullThrough((url, method, n) => {
    if (url.includes('/manifests/') && method === 'GET' && n === 1) return { silent: true };
    if (url.includes(bigLayer) && method === 'GET' && n === 1) return { stallAfter: 100_000 };
    return undefined;
  }, 'stalled', { OCIPKG_TIMEOUT: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(ms >= 2000, `waited out both timeouts (${ms} ms)`);
  const blobGets = proxy.seen.filter((s) => s.url.includes(bigLayer) && s.method === 'GET');
  assert.equal(blobGets.length, 2);
  assert.ok(Number(/^bytes=(\d+)-$/.exec(String(blobGets[1]!.headers.range))?.[1]) > 0, `resumed: ${blobGets[1]!.headers.range}`);
  await validateLayoutDir(join(dir, 'stalled'));

  const bad = await runCli(['inspect', `${reg.host}/faults/x:1`], { env: { OCIPKG_TIMEOUT: 'soon' } });
  assert.equal(bad.code, ERROR_CODES.E_CONFIG, bad.stderr);
  assert.equal(bad.stderr.trim(), 'ocipkg: OCIPKG_TIMEOUT: "soon" is not a positive number of seconds');
});

test('a registry that keeps failing gives one line, bounded', async () => {
  const { r, proxy } = await pullThrough((url) => (url.includes(bigLayer) ? { respond: { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}' } } : undefined), 'down');
  assert.equal(r.code, ERROR_CODES.E_REGISTRY, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unavailable: try later/);
  assert.ok(proxy.seen.filter((s) => s.url.includes(bigLayer)).length <= 6, 'bounded retries');
  assert.equal(existsSync(join(dir, 'down')), false, 'nothing left behind');
});

test('wrong bytes and truncated bodies never land in the destination', async () => {
  const bad = await pullThrough((url) => (url.includes(bigLayer) ? { corruptAt: 5000 } : undefined), 'corrupt');
  assert.equal(bad.r.code, ERROR_CODES.E_DIGEST_MISMATCH, bad.r.stderr);
  assert.match(bad.r.stderr, new RegExp(`expected ${bigLayer}`));
  assert.equal(existsSync(join(dir, 'corrupt')), false);

  const cut = await pullThrough((url) => (url.includes(bigLayer) ? { truncateAfter: 50_000 } : undefined), 'cut');
  assert.notEqual(cut.r.code, 0);
  assert.equal(cut.r.stderr.trim().split('\n').length, 1, cut.r.stderr);
  assert.match(cut.r.stderr, /ocipkg: (network|size mismatch|.*broke off)/);
  assert.equal(existsSync(join(dir, 'cut')), false);
});

async function pushThrough(rule: (url: string, method: string, n: number) => Action, repo: string) {
  const counts = new Map<string, number>();
  const proxy = await startProxy(reg.url, (req) => {
    // Upload sessions have fresh URLs: count them by the digest they close with.
    const u = new URL(req.url!, 'http://x');
    const key = `${req.method} ${u.pathname.replace(/\/blobs\/uploads\/.*/, '/blobs/uploads/')} ${u.searchParams.get('digest') ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return rule(req.url!, req.method!, counts.get(key)!);
  });
  try {
    const r = await runCli(['copy', `oci:${join(dir, 'src')}:v1`, `${proxy.host}/faults/${repo}:1`]);
    return { r, proxy };
  } finally {
    await proxy.close();
  }
}

/** The upload PUT of the big layer (the session URL is the registry's; the digest is in the query). */
const isBigPut = (url: string, method: string) => method === 'PUT' && url.includes('/blobs/uploads/') && url.includes(bigLayer.replace(':', '%3A'));

test('an upload cut off or answered with 500 is made again from the source; a 400 is not', async () => {
  for (const [repo, action] of [['cut', { dropRequestAfter: 100_000 }], ['five-hundred', { respond: { status: 500, body: 'oops' } }]] as const) {
    const { r, proxy } = await pushThrough((url, method, n) => (isBigPut(url, method) && n === 1 ? action : undefined), repo);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.seen.filter((s) => isBigPut(s.url, s.method)).length, 2, `${repo}: two uploads of the layer`);
    assert.match(r.stderr, new RegExp(`^ocipkg: .*upload of ${bigLayer}.*; trying again \\(2 of 3\\)$`, 'm'));
    const back = await runCli(['copy', `${reg.host}/faults/${repo}:1`, `oci:${join(dir, `back-${repo}`)}:1`]);
    assert.equal(back.code, 0, back.stderr);
    await validateLayoutDir(join(dir, `back-${repo}`));
  }
  const { r, proxy } = await pushThrough((url, method) => (isBigPut(url, method) ? { respond: { status: 400, body: '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"no"}]}' } } : undefined), 'four-hundred');
  assert.equal(r.code, ERROR_CODES.E_REGISTRY, r.stderr);
  assert.equal(proxy.seen.filter((s) => isBigPut(s.url, s.method)).length, 1, 'a client error is not retried');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /blob upload invalid: no/);
});
