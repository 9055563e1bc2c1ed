import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress, formatBytes } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

test('progress is drawn on a TTY only, never with CI set, and erased when done', async () => {
  const tty = sink(true);
  const p = Progress.for(tty.stream, 'pulling  ', {});
  p.add(1024 * 1024);
  await new Promise((r) => setTimeout(r, 120));
  p.add(1024 * 1024);
  p.done();
  assert.ok(tty.out.some((s) => /^\r\x1b\[2Kpulling {2}2\.0 MiB {2}[\d.]+ [KMG]?i?B\/s$/.test(s)), JSON.stringify(tty.out));
  assert.equal(tty.out.at(-1), '\r\x1b[2K');

  for (const [isTTY, env] of [[false, {}], [true, { CI: 'true' }], [true, { CI: '1' }]] as const) {
    const s = sink(isTTY);
    const q = Progress.for(s.stream, '', env);
    q.add(5);
    await new Promise((r) => setTimeout(r, 120));
    q.add(5);
    q.done();
    assert.deepEqual(s.out, [], `isTTY=${isTTY} env=${JSON.stringify(env)}`);
  }
  assert.equal(formatBytes(1536), '1.5 KiB');
});
