import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, runCli } from '../helpers/cli.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

let reg: Registry;
let proxy: Proxy;
let breaking = true;

before(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.url, (req) => (breaking && req.method === 'GET' && req.url!.includes('/blobs/') ? { resetAfter: 256 * 1024 } : undefined));
});
after(async () => {
  await proxy?.close();
  await reg?.stop();
});

/** A random blob of `mib` MiB built into `repo` on the registry, and a package with this `ocipkg` field. */
async function bigArtifact(repo: string, mib: number, ocipkg: object): Promise<{ dir: string; pkg: string }> {
  const dir = await tempDir();
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files', 'big.bin'), randomBytes(mib * 1024 * 1024));
  const b = await runCli(['build', join(dir, 'files'), '--tag', `${reg.host}/${repo}`]);
  assert.equal(b.code, 0, b.stderr);
  const pkg = join(dir, 'pkg');
  await mkdir(pkg);
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'x', ocipkg }));
  return { dir, pkg };
}

test('an install whose download keeps breaking leaves a partial blob that the next run resumes with Range', async () => {
  const { dir, pkg: p } = await bigArtifact('lib/big:1.0.0', 6, { image: `${proxy.host}/lib/big`, version: '^1' });
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };

  const first = await runCli(['install'], { cwd: p, env });
  assert.equal(first.code, 6, first.stderr);
  assert.match(first.stderr, /^ocipkg: .*download of sha256:[0-9a-f]{64} broke off after \d+ of \d+ bytes/);
  const partials = (await readdir(join(dir, 'cache', 'blobs', 'sha256'))).filter((f) => f.endsWith('.partial'));
  assert.equal(partials.length, 1, 'the bytes fetched so far are kept');

  breaking = false;
  const seenBefore = proxy.seen.length;
  const second = await runCli(['install'], { cwd: p, env });
  assert.equal(second.code, 0, second.stderr);
  const resumed = proxy.seen.slice(seenBefore).find((s) => s.url.includes(partials[0]!.replace('.partial', '')) && s.method === 'GET');
  assert.match(String(resumed?.headers.range), /^bytes=[1-9]\d*-$/, 'the second run asked only for the rest');
  assert.deepEqual((await readdir(join(dir, 'cache', 'blobs', 'sha256'))).filter((f) => f.endsWith('.partial') || f.endsWith('.lock')), []);
  const v = await runCli(['cache', 'verify'], { env });
  assert.equal(v.code, 0, v.stderr);
});

test('an install killed mid-download leaves nothing a later run trusts: its lock is taken over, the blob completed and verified', async () => {
  const slow = await startProxy(reg.url, (req) => (req.method === 'GET' && req.url!.includes('/blobs/') ? { slow: 60 } : undefined));
  try {
    const { dir, pkg: p } = await bigArtifact('lib/killed:1.0.0', 4, { image: `${slow.host}/lib/killed:1.0.0` });
    const cache = join(dir, 'cache');
    const blobs = join(cache, 'blobs', 'sha256');
    const child = spawn(process.execPath, [CLI, 'install'], { cwd: p, env: { ...process.env, OCIPKG_CACHE_DIR: cache, CI: 'true' }, stdio: 'ignore' });
    // Kill it once it is writing the layer (a partial file with some bytes in it, and its lock).
    for (let i = 0; ; i++) {
      const names = await readdir(blobs).catch(() => [] as string[]);
      const partial = names.find((n) => n.endsWith('.partial'));
      if (partial && (await stat(join(blobs, partial))).size > 256 * 1024 && names.some((n) => n.endsWith('.lock'))) break;
      assert.ok(i < 2400, 'the download never started');
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.ok((await readdir(blobs)).some((n) => n.endsWith('.lock')), 'the dead process left its lock');
    assert.deepEqual(await readdir(join(cache, 'trees')).catch(() => []), [], 'no tree was made');

    const again = await runCli(['install'], { cwd: p, env: { OCIPKG_CACHE_DIR: cache } });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await readdir(blobs)).filter((n) => !/^[0-9a-f]{64}$/.test(n)), []);
    const v = await runCli(['cache', 'verify'], { env: { OCIPKG_CACHE_DIR: cache } });
    assert.equal(v.code, 0, v.stderr);
  } finally {
    await slow.close();
  }
});
