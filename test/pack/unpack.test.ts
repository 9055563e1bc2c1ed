import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MediaType } from '../../src/spec/mediatype.js';
import { writeArtifact, tgzLayer, type TarEntry } from '../helpers/artifacts.js';
import { runCli } from '../helpers/cli.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Each hostile layer is put in an artifact and pulled into a target that already holds a file;
 * the pull must fail with E_UNSAFE_PATH (exit 12), leave the target exactly as it was (no temp
 * dirs either) and write nothing next to it.
 */
const HOSTILE: [string, TarEntry[]][] = [
  ['a .. component', [{ name: 'ok.txt', content: 'fine' }, { name: '../escaped.txt', content: 'x' }]],
  ['a nested .. component', [{ name: 'a/b/../../../escaped.txt', content: 'x' }]],
  ['an absolute path', [{ name: '/tmp/ocipkg-escaped.txt', content: 'x' }]],
  ['a symlink pointing outside', [{ name: 'out', type: 'symlink', linkname: '../../outside' }]],
  ['an absolute symlink', [{ name: 'etc', type: 'symlink', linkname: '/etc' }]],
  ['a file written through a symlink', [{ name: 'sub', type: 'symlink', linkname: '.' }, { name: 'sub/escaped.txt', content: 'x' }]],
  ['a symlink chain leading out', [{ name: 'a', type: 'symlink', linkname: '.' }, { name: 'b', type: 'symlink', linkname: 'a/..' }]],
  ['a chain completed later', [{ name: 'l', type: 'symlink', linkname: 'd/..' }, { name: 'd', type: 'symlink', linkname: '.' }]],
  ['a hardlink to outside', [{ name: 'passwd', type: 'link', linkname: '../../../../etc/passwd' }]],
  ['a hardlink to an absolute path', [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]],
  ['a character device', [{ name: 'null', type: 'character-device' }]],
  ['a block device', [{ name: 'sda', type: 'block-device' }]],
  ['a fifo', [{ name: 'pipe', type: 'fifo' }]],
];

for (const [what, entries] of HOSTILE) {
  test(`pull refuses ${what}`, async () => {
    const dir = await tempDir();
    const layout = join(dir, 'layout');
    await writeArtifact(layout, 'bad', [await tgzLayer(entries)], { artifactType: MediaType.OcipkgArtifact });
    const target = join(dir, 'deep', 'target');
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'keep.txt'), 'mine');
    const before = await treeSnapshot(dir);
    const r = await runCli(['pull', `oci:${layout}:bad`, '-o', target]);
    assert.equal(r.code, 12, r.stderr);
    assert.match(r.stderr, /^ocipkg: oci:.*refusing /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await treeSnapshot(dir), before);
    assert.ok(!existsSync('/tmp/ocipkg-escaped.txt'));
  });
}

test('whiteouts of stacked container layers are applied; diff_ids are checked', async () => {
  const dir = await tempDir();
  const layout = join(dir, 'layout');
  const l1 = await tgzLayer([
    { name: 'a/', type: 'directory' },
    { name: 'a/x', content: 'x' },
    { name: 'a/y', content: 'y' },
    { name: 'b/', type: 'directory' },
    { name: 'b/old', content: 'old' },
    { name: 'f', content: 'file that becomes a dir' },
  ]);
  const l2 = await tgzLayer([
    { name: 'a/.wh.x' },
    { name: 'b/.wh..wh..opq' },
    { name: 'b/new', content: 'new' },
    { name: 'f/', type: 'directory' },
    { name: 'f/inside', content: 'in' },
    { name: 'a/y', content: 'y2' },
  ]);
  await writeArtifact(layout, 'img', [l1, l2]);
  const out = join(dir, 'out');
  const r = await runCli(['pull', `oci:${layout}:img`, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(await treeSnapshot(out)).sort(), ['a', 'a/y', 'b', 'b/new', 'f', 'f/inside']);
  assert.equal(await readFile(join(out, 'a/y'), 'utf8'), 'y2');

  // The same layers under a config whose diff_id does not match: refused, nothing written.
  await writeArtifact(layout, 'lying', [l1, l2], { diffIds: [`sha256:${'0'.repeat(64)}`, `sha256:${'1'.repeat(64)}`] });
  const bad = join(dir, 'bad');
  const r2 = await runCli(['pull', `oci:${layout}:lying`, '-o', bad]);
  assert.equal(r2.code, 7, r2.stderr);
  assert.match(r2.stderr, /diff_id/);
  assert.ok(!existsSync(bad), 'the directory pull made is taken back');
});

test('symlinks and hardlinks that stay inside are kept', async () => {
  const dir = await tempDir();
  const layout = join(dir, 'layout');
  await writeArtifact(
    layout,
    'ok',
    [
      await tgzLayer([
        { name: 'lib/libfoo.so.1.0', content: 'elf' },
        { name: 'lib/libfoo.so.1', type: 'symlink', linkname: 'libfoo.so.1.0' },
        { name: 'lib/libfoo.so', type: 'symlink', linkname: './libfoo.so.1' },
        { name: 'share/up', type: 'symlink', linkname: '../lib/libfoo.so' },
        { name: 'lib/hard', type: 'link', linkname: 'lib/libfoo.so.1.0' },
      ]),
    ],
    { artifactType: MediaType.OcipkgArtifact },
  );
  const out = join(dir, 'out');
  const r = await runCli(['pull', `oci:${layout}:ok`, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const snap = await treeSnapshot(out, { modes: false });
  assert.deepEqual(snap['lib/libfoo.so'], { type: 'symlink', target: './libfoo.so.1' });
  assert.deepEqual(snap['share/up'], { type: 'symlink', target: '../lib/libfoo.so' });
  assert.equal(await readFile(join(out, 'lib/hard'), 'utf8'), 'elf');
  assert.equal(await readFile(join(out, 'share/up'), 'utf8'), 'elf');
});

test('a layer that ends right after its last entry (no padding, no end blocks) is read; one cut inside data is not', async () => {
  const dir = await tempDir();
  const layout = join(dir, 'layout');
  const { gzipSync } = await import('node:zlib');
  const { makeTar } = await import('../helpers/artifacts.js');
  const full = await makeTar([{ name: 'a.txt', content: 'hello' }]);
  const short = full.subarray(0, 512 + 5);
  const cut = full.subarray(0, 512 + 3);
  await writeArtifact(layout, 'short', [{ bytes: gzipSync(short), mediaType: MediaType.LayerGzip, tar: short }]);
  await writeArtifact(layout, 'cut', [{ bytes: gzipSync(cut), mediaType: MediaType.LayerGzip, tar: cut }]);
  const ok = await runCli(['pull', `oci:${layout}:short`, '-o', join(dir, 'o1')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await readFile(join(dir, 'o1', 'a.txt'), 'utf8'), 'hello');
  const bad = await runCli(['pull', `oci:${layout}:cut`, '-o', join(dir, 'o2')]);
  assert.equal(bad.code, 8, bad.stderr);
  assert.match(bad.stderr, /not a readable layer/);
  assert.ok(!existsSync(join(dir, 'o2')), 'the directory pull made is taken back');
});
