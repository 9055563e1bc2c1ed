import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { randomArtifact } from '../helpers/random.js';
import { validateLayoutDir } from '../helpers/validate.js';
import { ERROR_CODES } from '../../src/errors.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));

test('--version, --help and usage errors', async () => {
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), pkg.version);
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  for (const verb of ['copy', 'inspect']) {
    assert.match(h.stdout, new RegExp(`\\n  ${verb} `));
    const vh = await runCli([verb, '--help']);
    assert.equal(vh.code, 0, verb);
    assert.match(vh.stdout, new RegExp(`^usage: ocipkg ${verb} `));
  }
  const u = await runCli(['frobnicate']);
  assert.equal(u.code, ERROR_CODES.E_USAGE);
  assert.equal(u.stderr, 'ocipkg: unknown verb "frobnicate" (verbs: ' + u.stderr.split('(verbs: ')[1]);
  const a = await runCli(['copy', 'oci:x']);
  assert.equal(a.code, ERROR_CODES.E_USAGE);
  assert.equal(a.stderr, 'ocipkg: copy: expected 2 arguments (SRC DST), got 1\n');
  const o = await runCli(['inspect', '--bogus', 'oci:x']);
  assert.equal(o.stderr, 'ocipkg: inspect: unknown option --bogus (see ocipkg inspect --help)\n');
  const none = await runCli([]);
  assert.equal(none.code, ERROR_CODES.E_USAGE);
  assert.match(none.stdout, /^usage: ocipkg <verb>/);
  assert.equal(none.stderr, 'ocipkg: no verb given (the usage is above)\n');
});

test('a reader that closes stdout early (| head) stops the CLI quietly, without a stack trace', async () => {
  const { src } = await fixture();
  for (const [script, args] of [[CLI, ['inspect', `oci:${src}:v1`]], [CLI, ['--help']]] as const) {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(stderr, '', `${args.join(' ')}: ${stderr}`);
    assert.equal(code, 0);
  }
});

async function fixture(): Promise<{ dir: string; src: string; art: Awaited<ReturnType<typeof randomArtifact>> }> {
  const dir = await tempDir();
  const src = join(dir, 'src');
  const art = await randomArtifact(new OciLayoutStore(src), { tag: 'v1', layerSize: 4096 });
  return { dir, src, art };
}

test('copy oci → oci-archive → oci gives byte-identical manifests; inspect prints them', async () => {
  const { dir, src, art } = await fixture();
  const c1 = await runCli(['copy', `oci:${src}:v1`, `oci-archive:${dir}/a.tar:v2`]);
  assert.equal(c1.code, 0, c1.stderr);
  assert.equal(c1.stdout.trim(), art.root.digest);
  const c2 = await runCli(['copy', `oci-archive:${dir}/a.tar:v2`, `oci:${dir}/back:v3`]);
  assert.equal(c2.code, 0, c2.stderr);
  await validateLayoutDir(join(dir, 'back'));
  const i = await runCli(['inspect', `oci:${dir}/back:v3`]);
  assert.equal(i.code, 0);
  assert.equal(i.stdout, art.blobs.get(art.root.digest)!.toString() + '\n');
  const cfg = await runCli(['inspect', '--config', `oci-archive:${dir}/a.tar`]);
  assert.equal(JSON.parse(cfg.stdout).os, 'linux');
  const again = await runCli(['copy', `oci:${src}:v1`, `oci:${dir}/back:v4`]);
  assert.match(again.stderr, /0 copied, \d+ skipped/);
});

/** Run a failing copy and check: one line naming `mention`, exit code, destination unchanged. */
async function failsCleanly(args: string[], code: keyof typeof ERROR_CODES, mention: string, dst: string): Promise<void> {
  const before = await treeSnapshot(dst).catch(() => undefined);
  const r = await runCli(args);
  assert.equal(r.code, ERROR_CODES[code], `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  assert.ok(r.stderr.startsWith('ocipkg: '), r.stderr);
  assert.ok(r.stderr.includes(mention), `${r.stderr} should name ${mention}`);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  assert.deepEqual(await treeSnapshot(dst).catch(() => undefined), before, 'destination unchanged');
}

test('bad input: one line, distinct exit code, destination unchanged', async () => {
  const { dir, src, art } = await fixture();
  const dst = join(dir, 'dst');
  await randomArtifact(new OciLayoutStore(dst), { tag: 'keep' });
  const layer = [...art.blobs].find(([, b]) => b.length > 1000)!;
  const layerPath = join(src, 'blobs', 'sha256', layer[0].slice(7));
  const absent = join(dir, 'absent');

  await failsCleanly(['copy', `oci:${src}:nope`, `oci:${dst}:new`], 'E_NOT_FOUND', '"nope"', dst);
  await failsCleanly(['copy', 'oci:', `oci:${dst}:new`], 'E_REFERENCE', '"oci:"', dst);
  await failsCleanly(['copy', `oci:${src}:v1`, 'Not/Valid'], 'E_REFERENCE', 'Not/Valid', dst);

  await writeFile(layerPath, layer[1].subarray(0, 100));
  await failsCleanly(['copy', `oci:${src}:v1`, `oci:${dst}:new`], 'E_DIGEST_MISMATCH', layer[0], dst);
  await failsCleanly(['copy', `oci:${src}:v1`, `oci:${absent}:new`], 'E_DIGEST_MISMATCH', layer[0], absent);
  const wrong = Buffer.from(layer[1]);
  wrong[200] = wrong[200]! ^ 1;
  await writeFile(layerPath, wrong);
  await failsCleanly(['copy', `oci:${src}:v1`, `oci-archive:${dir}/out.tar:new`], 'E_DIGEST_MISMATCH', layer[0], dir);
  await rm(layerPath);
  await failsCleanly(['copy', `oci:${src}:v1`, `oci:${dst}:new`], 'E_NOT_FOUND', layer[0], dst);
  await writeFile(layerPath, layer[1]);

  const index = await readFile(join(src, 'index.json'), 'utf8');
  await writeFile(join(src, 'index.json'), index.slice(0, 40));
  await failsCleanly(['copy', `oci:${src}:v1`, `oci:${dst}:new`], 'E_INVALID', `${src}/index.json`, dst);
  await writeFile(join(src, 'index.json'), index);
  assert.equal(existsSync(absent), false, 'a destination that did not exist still does not');
  // the corrupt layer was restored: the copy succeeds and the earlier failures left nothing to skip
  await runCli(['copy', `oci:${src}:v1`, `oci:${absent}:x`]);
  const ok = await runCli(['copy', `oci:${src}:v1`, `oci:${dst}:new`]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('OCIPKG_DEBUG=1 adds the stack', async () => {
  const r = await runCli(['inspect', 'oci:/nonexistent/dir:x'], { env: { OCIPKG_DEBUG: '1' } });
  assert.equal(r.code, ERROR_CODES.E_NOT_FOUND);
  assert.match(r.stderr, /\n\s+at /);
});
