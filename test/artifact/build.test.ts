import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MediaType } from '../../src/spec/mediatype.js';
import { runCli } from '../helpers/cli.js';
import { assertLayoutValid } from '../helpers/schema.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { tempDir } from '../helpers/tmp.js';
import { skopeo, umoci } from '../helpers/tools.js';
import { validateLayoutDir } from '../helpers/validate.js';

async function prefix(dir: string, answer: string): Promise<string> {
  await mkdir(join(dir, 'include'), { recursive: true });
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'include', 'foo.h'), `#define FOO ${answer}\n`);
  await writeFile(join(dir, 'lib', 'libfoo.so.1.0.0'), `elf ${answer}`);
  await symlink('libfoo.so.1.0.0', join(dir, 'lib', 'libfoo.so.1'));
  await symlink('libfoo.so.1', join(dir, 'lib', 'libfoo.so'));
  await writeFile(join(dir, 'lib', 'tool'), '#!/bin/sh\n');
  await chmod(join(dir, 'lib', 'tool'), 0o755);
  return dir;
}

test('build: one manifest, deterministic, valid, read by skopeo, unpacked by umoci', async () => {
  const dir = await tempDir();
  const p = await prefix(join(dir, 'p'), '1');
  const layout = join(dir, 'layout');
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const a = await runCli(['build', join(p, 'include'), join(p, 'lib'), '--tag', `oci:${layout}:1.0.0`, '--annotation', 'org.opencontainers.image.version=1.0.0', '--platform', 'linux/amd64'], { env });
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli(['build', join(p, 'include'), join(p, 'lib'), '--tag', `oci:${join(dir, 'again')}:x`, '--annotation', 'org.opencontainers.image.version=1.0.0', '--platform', 'linux/amd64'], { env });
  assert.equal(b.stdout, a.stdout, 'the same inputs give the same digest');
  await validateLayoutDir(layout);
  assert.ok((await assertLayoutValid(layout)) >= 2);

  const manifest = JSON.parse(await skopeo(['inspect', '--raw', `oci:${layout}:1.0.0`]));
  assert.equal(manifest.artifactType, MediaType.OcipkgArtifact);
  assert.deepEqual(manifest.layers.map((l: { annotations: Record<string, string> }) => l.annotations['org.opencontainers.image.title']), ['include', 'lib']);
  assert.equal(manifest.annotations['org.opencontainers.image.created'], '2023-11-14T22:13:20Z');
  const config = JSON.parse(await skopeo(['inspect', '--config', '--raw', `oci:${layout}:1.0.0`]));
  assert.equal(config.architecture, 'amd64');
  assert.equal(config.rootfs.diff_ids.length, 2);
  await skopeo(['copy', `oci:${layout}:1.0.0`, `oci-archive:${join(dir, 'via-skopeo.tar')}:x`]);

  await umoci(['unpack', '--rootless', '--image', `${layout}:1.0.0`, join(dir, 'bundle')]);
  const rootfs = await treeSnapshot(join(dir, 'bundle', 'rootfs'));
  assert.deepEqual(rootfs['lib/libfoo.so'], { type: 'symlink', target: 'libfoo.so.1' });
  assert.equal(rootfs['lib/tool']?.mode, 0o755);
  assert.equal(await readFile(join(dir, 'bundle', 'rootfs', 'include', 'foo.h'), 'utf8'), '#define FOO 1\n');

  // Without SOURCE_DATE_EPOCH no time goes in at all.
  const c = await runCli(['build', join(p, 'include'), '--tag', `oci:${join(dir, 'notime')}:x`]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(await skopeo(['inspect', '--raw', `oci:${join(dir, 'notime')}:x`])).annotations, undefined);
});

test('build: one manifest per platform under an index, into an oci-archive; skopeo copies each', async () => {
  const dir = await tempDir();
  const amd = await prefix(join(dir, 'amd64'), 'amd');
  const arm = await prefix(join(dir, 'arm64'), 'arm');
  const musl = await prefix(join(dir, 'musl'), 'musl');
  const archive = join(dir, 'multi.tar');
  const r = await runCli(['build', '--platform', `linux/amd64=${amd}`, '--platform', `linux/arm64=${arm}`, '--platform', `linux/amd64+musl=${musl}`, '--tag', `oci-archive:${archive}:2.0.0`, '--compression', 'zstd', '--link-libs=-lm']);
  assert.equal(r.code, 0, r.stderr);
  const index = JSON.parse(await skopeo(['inspect', '--raw', `oci-archive:${archive}:2.0.0`]));
  assert.equal(index.mediaType, MediaType.ImageIndex);
  assert.deepEqual(
    index.manifests.map((m: { platform: unknown }) => m.platform),
    [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64', 'os.features': ['libc.musl'] }],
  );
  await skopeo(['copy', '--all', `oci-archive:${archive}:2.0.0`, `oci:${join(dir, 'copied')}:x`]);
  assert.ok((await assertLayoutValid(join(dir, 'copied'))) >= 7);
  const m = JSON.parse(await skopeo(['inspect', '--raw', '--override-arch', 'arm64', `oci:${join(dir, 'copied')}:x`]));
  assert.equal(m.annotations['vnd.ocipkg.link.libs'], '-lm');

  // The arm64 build's files, each platform's prefix at the root.
  const out = join(dir, 'out');
  const p = await runCli(['pull', `oci-archive:${archive}:2.0.0`, '--platform', 'linux/arm64', '-o', out]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(await readFile(join(out, 'include', 'foo.h'), 'utf8'), '#define FOO arm\n');
  const q = await runCli(['pull', `oci-archive:${archive}:2.0.0`, '--platform', 'linux/amd64+musl', '-o', join(dir, 'out-musl')]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(await readFile(join(dir, 'out-musl', 'lib', 'libfoo.so'), 'utf8'), 'elf musl');
  const none = await runCli(['pull', `oci-archive:${archive}:2.0.0`, '--platform', 'windows/amd64', '-o', join(dir, 'none')]);
  assert.equal(none.code, 10);
  assert.match(none.stderr, /no build for windows\/amd64 .* offers linux\/amd64, linux\/arm64, linux\/amd64 \(libc\.musl\)/);
});

test('build refuses bad input with one line', async () => {
  const dir = await tempDir();
  const cases: [string[], RegExp][] = [
    [['build', dir], /--tag DEST is required/],
    [['build', join(dir, 'nope'), '--tag', `oci:${join(dir, 'l')}:x`], /nope: no such file or directory/],
    [['build', dir, '--tag', `oci:${join(dir, 'l')}:x`, '--annotation', 'novalue'], /--annotation: "novalue" is not KEY=VALUE/],
    [['build', dir, '--tag', `oci:${join(dir, 'l')}:x`, '--platform', 'linux'], /--platform: "linux" is not a platform/],
  ];
  for (const [args, msg] of cases) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
