import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { compressor, decompressor } from '../../src/pack/compress.js';
import { runCli } from '../helpers/cli.js';
import { treeSnapshot } from '../helpers/snapshot.js';
import { tempDir } from '../helpers/tmp.js';

/** A tree with nested dirs, an executable, a versioned library and its symlinks. */
async function sampleTree(dir: string): Promise<string> {
  const src = join(dir, 'src');
  await mkdir(join(src, 'lib', 'pkgconfig'), { recursive: true });
  await mkdir(join(src, 'bin'), { recursive: true });
  await mkdir(join(src, 'include', 'deep', 'er'), { recursive: true });
  await writeFile(join(src, 'lib', 'libfoo.so.1.2.3'), 'ELF pretend');
  await symlink('libfoo.so.1.2.3', join(src, 'lib', 'libfoo.so.1'));
  await symlink('libfoo.so.1', join(src, 'lib', 'libfoo.so'));
  await writeFile(join(src, 'lib', 'pkgconfig', 'foo.pc'), 'Name: foo\n');
  await writeFile(join(src, 'bin', 'tool'), '#!/bin/sh\necho hi\n');
  await chmod(join(src, 'bin', 'tool'), 0o775);
  await writeFile(join(src, 'include', 'deep', 'er', 'foo.h'), 'int foo(void);\n');
  await chmod(join(src, 'include', 'deep', 'er', 'foo.h'), 0o664); // a umask difference must not matter
  return src;
}

for (const compression of ['gzip', 'zstd'] as const) {
  test(`pack (${compression}) is deterministic and unpacks with tar to the same tree`, async () => {
    const dir = await tempDir();
    const src = await sampleTree(dir);
    const a = await runCli(['pack', src, join(dir, 'a.layer'), '--compression', compression]);
    assert.equal(a.code, 0, a.stderr);
    // Same input, later, from a copy made with other timestamps: the same bytes.
    execFileSync('cp', ['-a', '--no-preserve=timestamps', src, join(dir, 'copy')]);
    const b = await runCli(['pack', join(dir, 'copy'), join(dir, 'b.layer'), '--compression', compression]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.ok((await readFile(join(dir, 'a.layer'))).equals(await readFile(join(dir, 'b.layer'))));
    assert.match(a.stdout, /^sha256:[0-9a-f]{64}\n$/);

    const out = join(dir, 'out');
    await mkdir(out);
    execFileSync('tar', [compression === 'zstd' ? '--zstd' : '-z', '-xf', join(dir, 'a.layer'), '-C', out]);
    const got = await treeSnapshot(out);
    const want = await treeSnapshot(src);
    // Modes are normalised: 0755 for the executable, 0644 for other files.
    (want['include/deep/er/foo.h'] as { mode: number }).mode = 0o644;
    (want['bin/tool'] as { mode: number }).mode = 0o755;
    assert.deepEqual(got, want);
  });
}

test('pack --root-dir/--uid/--gid show in tar -tvf; entries sorted, mtime 0 or SOURCE_DATE_EPOCH', async () => {
  const dir = await tempDir();
  const src = await sampleTree(dir);
  const r = await runCli(['pack', src, join(dir, 'l.tgz'), '--root-dir', '/opt/x', '--uid', '1000', '--gid', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', join(dir, 'l.tgz')]).toString().trim().split('\n');
  const names = listing.map((l) => l.split(/\s+/).slice(5).join(' '));
  assert.deepEqual(names.slice(0, 2), ['opt/', 'opt/x/']);
  assert.ok(names.includes('opt/x/lib/libfoo.so -> libfoo.so.1'), names.join('\n'));
  assert.ok(listing.every((l) => l.includes(' 1000/1000 ')), listing.join('\n'));
  assert.ok(listing.every((l) => l.includes('1970-01-01 00:00:00')), listing.join('\n'));
  assert.ok(listing.some((l) => l.startsWith('-rwxr-xr-x') && l.endsWith('opt/x/bin/tool')));
  const sorted = [...names].sort();
  assert.deepEqual(names, sorted);

  const e = await runCli(['pack', src, join(dir, 'e.tgz')], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  assert.equal(e.code, 0, e.stderr);
  assert.match(execFileSync('tar', ['--full-time', '-tvzf', join(dir, 'e.tgz')], { env: { ...process.env, TZ: 'UTC' } }).toString(), /2023-11-14 22:13:20/);
});

test('pack refuses bad input with one line', async () => {
  const dir = await tempDir();
  const cases: [string[], RegExp, number][] = [
    [['pack', join(dir, 'missing'), join(dir, 'o')], /missing: no such file or directory/, 4],
    [['pack', dir, join(dir, 'o'), '--compression', 'lz4'], /--compression: "lz4" is not gzip or zstd/, 2],
    [['pack', dir, join(dir, 'o'), '--uid', '-1'], /--uid/, 2],
    [['pack', dir, join(dir, 'o'), '--root-dir', '../up'], /--root-dir: "..\/up" must not contain \.\./, 2],
  ];
  for (const [args, msg, code] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('zstd frames do not depend on how the input arrives: one big chunk or many small ones give the same bytes', async () => {
  // Compressible and longer than several 4 MiB frames, with a short tail.
  const data = Buffer.from(randomBytes(7 * 1024 * 1024 + 12345).toString('base64'));
  const run = async (chunks: Buffer[], t: () => NodeJS.ReadWriteStream) => {
    const out: Buffer[] = [];
    for await (const c of Readable.from(chunks).pipe(t() as never) as AsyncIterable<Buffer>) out.push(c);
    return Buffer.concat(out);
  };
  const small: Buffer[] = [];
  for (let o = 0; o < data.length; o += 65536) small.push(data.subarray(o, o + 65536));
  const whole = await run([data], () => compressor('zstd'));
  assert.ok(whole.equals(await run(small, () => compressor('zstd'))), 'same frames either way');
  assert.ok((await run([whole], () => decompressor('zstd'))).equals(data), 'and they decompress to the input');
});
