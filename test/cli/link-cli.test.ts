import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLink } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('ocipkg-link: help, version, and one-line errors for bad use', async () => {
  const dir = await tempDir();
  const help = await runLink(['--help'], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: ocipkg-link \[NAME\]/);
  assert.match((await runLink(['--version'], { cwd: dir })).stdout, /^\d+\.\d+\.\d+\n$/);
  const cases: [string[], number, RegExp][] = [
    [[], 2, /give exactly one of --include/],
    [['--libs', '--cflags'], 2, /give exactly one of/],
    [['--libs', '--format', 'ninja'], 2, /--format: "ninja" is not gyp or shell/],
    [['--bogus'], 2, /Unknown option '--bogus'/],
    [['--libs'], 9, /no package\.json with an "ocipkg" field in .* or above/],
  ];
  for (const [args, code, re] of cases) {
    const r = await runLink(args, { cwd: dir });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(r.stdout, '');
  }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ocipkg: [{ image: 'oci:a', name: 'a' }, { image: 'oci:b', name: 'b' }] }));
  const several = await runLink(['--libs'], { cwd: dir });
  assert.equal(several.code, 2);
  assert.match(several.stderr, /declares several ocipkg dependencies; name one \(a, b\)/);
  const missing = await runLink(['c', '--libs'], { cwd: dir });
  assert.match(missing.stderr, /no ocipkg dependency named "c" \(declared: a, b\)/);
  const notThere = await runLink(['a', '--libs'], { cwd: dir, env: { OCIPKG_CACHE_DIR: join(dir, 'cache') } });
  assert.equal(notThere.code, 4, notThere.stderr);
  assert.match(notThere.stderr, /oci:.*\/a/);
});
