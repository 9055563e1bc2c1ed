import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startRegistry, type Registry } from '../helpers/registry.js';

let anon: Registry;
let authed: Registry;
before(async () => {
  [anon, authed] = await Promise.all([startRegistry(), startRegistry({ auth: { user: 'alice', password: 's3cret' } })]);
});
after(async () => {
  await Promise.all([anon?.stop(), authed?.stop()]);
});

test('the registry fixture serves the distribution API and logs what it received', async () => {
  const blob = Buffer.from('hello registry');
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const start = await fetch(`${anon.url}/v2/t/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get('location')!, anon.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201);
  const get = await fetch(`${anon.url}/v2/t/blobs/${digest}`);
  assert.equal(Buffer.from(await get.arrayBuffer()).toString(), 'hello registry');
  await anon.settle();
  const seen = anon.requests().map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
  assert.ok(seen.includes(`GET /v2/t/blobs/${digest} 200`), seen.join('\n'));
  assert.ok(seen.includes('POST /v2/t/blobs/uploads/ 202'), seen.join('\n'));
});

test('htpasswd auth: 401 without credentials, 200 with', async () => {
  const no = await fetch(`${authed.url}/v2/`);
  assert.equal(no.status, 401);
  assert.match(no.headers.get('www-authenticate') ?? '', /^Basic realm="ocipkg-test"/);
  const yes = await fetch(`${authed.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } });
  assert.equal(yes.status, 200);
  const wrong = await fetch(`${authed.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` } });
  assert.equal(wrong.status, 401);
});
