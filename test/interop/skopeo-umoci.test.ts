import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { skopeo, umoci } from '../helpers/tools.js';
import { tempDir } from '../helpers/tmp.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { validateLayoutDir } from '../helpers/validate.js';

let dir: string;
let rawManifest: string;
let originalTree: Awaited<ReturnType<typeof treeSnapshot>>;

before(async () => {
  dir = await tempDir('ocipkg-interop-');
  const src = join(dir, 'src');
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(src, 'a.txt'), 'hello\n');
  await writeFile(join(src, 'sub', 'run.sh'), '#!/bin/sh\necho run\n');
  await chmod(join(src, 'sub', 'run.sh'), 0o755);
  await writeFile(join(src, 'sub', 'deeper', 'data.bin'), Buffer.alloc(70_000, 7));
  await symlink('a.txt', join(src, 'link'));
  await umoci(['init', '--layout', join(dir, 'L')]);
  await umoci(['new', '--image', `${join(dir, 'L')}:base`]);
  await umoci(['insert', '--rootless', '--image', `${join(dir, 'L')}:base`, src, '/opt/x']);
  await skopeo(['copy', `oci:${join(dir, 'L')}:base`, `oci-archive:${join(dir, 'a.tar')}:base`]);
  rawManifest = await skopeo(['inspect', '--raw', `oci:${join(dir, 'L')}:base`]);
  await umoci(['unpack', '--rootless', '--image', `${join(dir, 'L')}:base`, join(dir, 'orig')]);
  originalTree = await treeSnapshot(join(dir, 'orig', 'rootfs'));
});

test('ocipkg inspect reads what umoci and skopeo wrote, in both forms', async () => {
  for (const ref of [`oci:${join(dir, 'L')}:base`, `oci-archive:${join(dir, 'a.tar')}:base`]) {
    const r = await runCli(['inspect', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd(), rawManifest.trimEnd(), ref);
    const c = await runCli(['inspect', '--config', ref]);
    assert.equal(JSON.parse(c.stdout).rootfs.type, 'layers');
  }
});

test('what ocipkg copies, skopeo reads and umoci unpacks to the same files', async () => {
  const out = join(dir, 'out');
  const r1 = await runCli(['copy', `oci:${join(dir, 'L')}:base`, `oci-archive:${join(dir, 'out.tar')}:copied`]);
  assert.equal(r1.code, 0, r1.stderr);
  const r2 = await runCli(['copy', `oci-archive:${join(dir, 'a.tar')}:base`, `oci:${out}:copied`]);
  assert.equal(r2.code, 0, r2.stderr);
  await validateLayoutDir(out);

  assert.equal((await skopeo(['inspect', '--raw', `oci-archive:${join(dir, 'out.tar')}:copied`])).trimEnd(), rawManifest.trimEnd());
  assert.equal((await skopeo(['inspect', '--raw', `oci:${out}:copied`])).trimEnd(), rawManifest.trimEnd());
  const info = JSON.parse(await skopeo(['inspect', `oci:${out}:copied`]));
  assert.equal(info.Layers.length, 1);

  // skopeo copies our archive into a fresh layout; umoci unpacks both of ours.
  await skopeo(['copy', `oci-archive:${join(dir, 'out.tar')}:copied`, `oci:${join(dir, 'via-skopeo')}:x`]);
  await umoci(['unpack', '--rootless', '--image', `${out}:copied`, join(dir, 'b1')]);
  await umoci(['unpack', '--rootless', '--image', `${join(dir, 'via-skopeo')}:x`, join(dir, 'b2')]);
  assert.deepEqual(await treeSnapshot(join(dir, 'b1', 'rootfs')), originalTree);
  assert.deepEqual(await treeSnapshot(join(dir, 'b2', 'rootfs')), originalTree);
  assert.equal(await readFile(join(dir, 'b1', 'rootfs', 'opt', 'x', 'a.txt'), 'utf8'), 'hello\n');
  assert.equal(originalTree['opt/x/link']?.target, 'a.txt');
  assert.equal(originalTree['opt/x/sub/run.sh']?.mode, 0o755);
});
