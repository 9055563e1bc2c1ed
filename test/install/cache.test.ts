import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('cache dir/ls/prune: prune keeps what a lockfile pins or was used recently, removes the rest', async () => {
  const dir = await tempDir();
  const cache = join(dir, 'cache');
  const env = { OCIPKG_CACHE_DIR: cache };
  const projects: string[] = [];
  for (const name of ['a', 'b']) {
    await mkdir(join(dir, 'src', name, 'lib'), { recursive: true });
    await writeFile(join(dir, 'src', name, 'lib', `lib${name}.so`), `library ${name}`);
    const built = await runCli(['build', join(dir, 'src', name, 'lib'), '--tag', `oci:${join(dir, `layout-${name}`)}:1.0.0`]);
    assert.equal(built.code, 0, built.stderr);
    const p = join(dir, `project-${name}`);
    await mkdir(p);
    await writeFile(join(p, 'package.json'), JSON.stringify({ name, ocipkg: { image: `oci:../layout-${name}`, version: '^1' } }));
    const r = await runCli(['install'], { cwd: p, env });
    assert.equal(r.code, 0, r.stderr);
    projects.push(p);
  }
  assert.equal((await runCli(['cache', 'dir'], { env })).stdout, `${cache}\n`);
  assert.equal((await runCli(['cache', 'ls'], { env })).stdout.trim().split('\n').length, 2);
  const blobsBefore = (await readdir(join(cache, 'blobs', 'sha256'))).length;

  // Recent entries survive a default prune. So does a blob no record names yet while it is fresh
  // (an install may be about to record it); an old one goes.
  await rm(join(projects[1]!, 'ocipkg-lock.json'));
  const fresh = join(cache, 'blobs', 'sha256', 'a'.repeat(64));
  const stale = join(cache, 'blobs', 'sha256', 'b'.repeat(64));
  await writeFile(fresh, 'fetched, not recorded yet');
  await writeFile(stale, 'left by an install that died');
  const dayAgo = new Date(Date.now() - 25 * 3600_000);
  await utimes(stale, dayAgo, dayAgo);
  let pr = await runCli(['cache', 'prune'], { env });
  assert.equal(pr.code, 0, pr.stderr);
  assert.equal((await runCli(['cache', 'ls'], { env })).stdout.trim().split('\n').length, 2);
  assert.ok(existsSync(fresh), 'a fresh unrecorded blob is kept');
  assert.ok(!existsSync(stale), 'an old unrecorded blob is removed');
  await rm(fresh);

  // With no grace period only the pinned one stays, with exactly its blobs.
  pr = await runCli(['cache', 'prune', '--max-age', '0'], { env });
  assert.equal(pr.code, 0, pr.stderr);
  assert.match(pr.stderr, /^pruned 1 artifacts and 3 blobs/);
  const ls = (await runCli(['cache', 'ls'], { env })).stdout.trim().split('\n');
  assert.equal(ls.length, 1);
  assert.match(ls[0]!, /layout-a/);
  assert.equal((await readdir(join(cache, 'blobs', 'sha256'))).length, blobsBefore - 3);
  assert.equal((await readdir(join(cache, 'trees'))).length, 1);
  assert.equal((await runCli(['install', '--offline'], { cwd: projects[0]!, env })).code, 0);
  const gone = await runCli(['install', '--offline'], { cwd: projects[1]!, env });
  assert.equal(gone.code, 15, gone.stderr);
  assert.equal((await runCli(['cache', 'verify'], { env })).code, 0);
  const bad = await runCli(['cache', 'shrink'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cache: unknown action "shrink" \(dir, ls, verify, prune\)/);
});
