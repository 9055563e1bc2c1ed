import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loadUndici, type UndiciParts } from '../../src/content/registry/http.js';

const require = createRequire(import.meta.url);

async function fetchThrough(parts: UndiciParts): Promise<string> {
  const server = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const agent = new parts.Agent();
  try {
    const res = await parts.apiRequest.call(agent, { origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
    return await res.body.text();
  } finally {
    await agent.close();
    server.close();
  }
}

test("undici's own modules are used when present, and the whole package when a release moves them", async () => {
  const lean = loadUndici(require);
  assert.equal(lean.whole, false, 'the installed undici has lib/dispatcher/agent.js and lib/api/api-request.js');
  assert.equal(await fetchThrough(lean), 'hello');

  const moved = loadUndici((id) => {
    if (id.startsWith('undici/lib/')) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    return require(id);
  });
  assert.equal(moved.whole, true);
  assert.equal(await fetchThrough(moved), 'hello');
});
