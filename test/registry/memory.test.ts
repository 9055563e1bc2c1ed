import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { ROOT } from '../helpers/cli.js';
import { RegistryStore } from '../../src/content/registry/store.js';
import { createTransport } from '../../src/content/registry/transport.js';
import { buildManifest, emptyConfig } from '../../src/spec/build.js';

/** A 1 GiB layer goes registry → oci: layout through a child process whose peak RSS is measured. */
const SIZE = 1024 * 1024 * 1024;
const BLOCK = 1024 * 1024;

/** Deterministic, incompressible-enough bytes without holding them: one random block, varied per position. */
function bigStream(seed: Buffer): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i * BLOCK >= SIZE) return this.push(null);
      const block = Buffer.from(seed);
      block.writeUInt32BE(i, 0);
      i++;
      this.push(block);
    },
  });
}

let reg: Registry;
before(async () => {
  reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
});

// Node 20 with undici loaded sits at ~53 MiB before any transfer; the stream itself adds the rest.
test('a 1 GiB blob is pulled with bounded memory (peak RSS under 150 MiB)', { timeout: 180_000 }, async () => {
  const seed = createHash('sha512').update('ocipkg').digest();
  const seedBlock = Buffer.alloc(BLOCK);
  for (let o = 0; o < BLOCK; o += seed.length) seed.copy(seedBlock, o);
  const hash = createHash('sha256');
  for await (const c of bigStream(seedBlock)) hash.update(c as Buffer);
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hash.digest('hex')}`, size: SIZE };
  const store = new RegistryStore(createTransport(reg.host), 'big/blob', { monolithicMax: 2 * SIZE });
  await store.push(layer, bigStream(seedBlock));
  const cfg = emptyConfig();
  await store.push(cfg.descriptor, Readable.from([cfg.bytes]));
  const m = buildManifest({ config: cfg.descriptor, layers: [layer] });
  await store.push(m.descriptor, Readable.from([m.bytes]));
  await store.tag(m.descriptor, 'v1');

  const dir = await tempDir();
  const script = `import { main } from ${JSON.stringify(join(ROOT, 'dist/cli/main.js'))};
const code = await main(process.argv.slice(1));
process.stderr.write('\\nmaxRSS=' + process.resourceUsage().maxRSS + '\\n');
process.exitCode = code;`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, 'copy', `${reg.host}/big/blob:v1`, `oci:${join(dir, 'out')}:v1`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.resume();
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  assert.equal(code, 0, stderr);
  const rssKiB = Number(/maxRSS=(\d+)/.exec(stderr)![1]);
  assert.ok(rssKiB < 150 * 1024, `peak RSS ${Math.round(rssKiB / 1024)} MiB`);
  assert.equal((await stat(join(dir, 'out', 'blobs', 'sha256', layer.digest.slice(7)))).size, SIZE);
});
