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
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { buildManifest, emptyConfig } from '../../src/spec/build.js';

/**
 * A 1 GiB layer goes oci: layout → registry → oci: layout, each way in a child process whose
 * peak RSS is measured. Bare Node 20 is ~40 MiB and the CLI with undici ~45 MiB before a byte
 * moves; the transfer itself must stay small (src/runtime/memory.ts says what it takes).
 */
const SIZE = 1024 * 1024 * 1024;
const BLOCK = 1024 * 1024;
const MiB = 1024 * 1024;

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

/** Run the CLI in a child; resolves its exit code, stderr and peak RSS in bytes. */
async function measured(args: string[]): Promise<{ code: number; stderr: string; peak: number }> {
  const script = `import { main } from ${JSON.stringify(join(ROOT, 'dist/cli/main.js'))};
const code = await main(process.argv.slice(1));
process.stderr.write('\\nmaxRSS=' + process.resourceUsage().maxRSS + '\\n');
process.exitCode = code;`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.resume();
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  const m = /maxRSS=(\d+)/.exec(stderr);
  return { code, stderr, peak: m ? Number(m[1]) * 1024 : NaN };
}

let reg: Registry;
before(async () => {
  reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
});

// Node 20 pulls in ~72 MiB; Node 22 and 24 start larger and pull in ~82 and ~87 MiB.
const PULL_LIMIT = Number(process.versions.node.split('.')[0]) <= 20 ? 85 : 95;

test(`a 1 GiB blob is pushed and pulled with flat memory (pull peak RSS under ${PULL_LIMIT} MiB)`, { timeout: 240_000 }, async () => {
  const seed = createHash('sha512').update('ocipkg').digest();
  const seedBlock = Buffer.alloc(BLOCK);
  for (let o = 0; o < BLOCK; o += seed.length) seed.copy(seedBlock, o);
  const hash = createHash('sha256');
  for await (const c of bigStream(seedBlock)) hash.update(c as Buffer);
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hash.digest('hex')}`, size: SIZE };

  const dir = await tempDir();
  const src = new OciLayoutStore(join(dir, 'src'));
  await src.push(layer, bigStream(seedBlock));
  const cfg = emptyConfig();
  await src.push(cfg.descriptor, Readable.from([cfg.bytes]));
  const m = buildManifest({ config: cfg.descriptor, layers: [layer] });
  await src.push(m.descriptor, Readable.from([m.bytes]));
  await src.tag(m.descriptor, 'v1');

  const push = await measured(['copy', `oci:${join(dir, 'src')}:v1`, `${reg.host}/big/blob:v1`]);
  assert.equal(push.code, 0, push.stderr);
  await reg.settle();
  assert.ok(reg.requests().some((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/') && r.status === 201), 'the layer was uploaded');
  assert.ok(push.peak < 110 * MiB, `push peak RSS ${Math.round(push.peak / MiB)} MiB`);

  const pull = await measured(['copy', `${reg.host}/big/blob:v1`, `oci:${join(dir, 'out')}:v1`]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok(pull.peak < PULL_LIMIT * MiB, `pull peak RSS ${Math.round(pull.peak / MiB)} MiB`);
  assert.equal((await stat(join(dir, 'out', 'blobs', 'sha256', layer.digest.slice(7)))).size, SIZE);
});
