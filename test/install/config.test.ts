import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPackageConfig } from '../../src/install/config.js';
import { expandTemplate, templateVars, versionFromTag } from '../../src/install/template.js';
import { pickVersion } from '../../src/install/versions.js';
import { tempDir } from '../helpers/tmp.js';

async function cfg(field: unknown) {
  const d = join(await tempDir(), 'p');
  await mkdir(d);
  await writeFile(join(d, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', ocipkg: field }));
  return readPackageConfig(d);
}

test('the ocipkg field: object or array, defaults, and errors naming file and key', async () => {
  const one = await cfg({ image: 'ghcr.io/x/libfoo', version: '^1.2' });
  assert.equal(one.dependencies[0]!.name, 'libfoo');
  assert.deepEqual(one.dependencies[0]!.copyTo, []);
  const two = await cfg([{ image: 'ghcr.io/x/a' }, { image: 'oci:./vendor/b.oci:1.0', name: 'b', libraries: ['b:static'] }]);
  assert.deepEqual(two.dependencies.map((d) => d.name), ['a', 'b']);
  const bad: [unknown, RegExp][] = [
    [{ version: '^1' }, /^package\.json: ocipkg\.image: is required$/],
    [{ image: 'ghcr.io/x/a', version: '^x' }, /^package\.json: ocipkg\.version: "\^x" is not a semver range$/],
    [{ image: 'ghcr.io/x/a', version: 'banana' }, /not a semver range/],
    [{ image: 'ghcr.io/x/a', copyTo: 'build' }, /^package\.json: ocipkg\.copyTo: must be an array of non-empty strings$/],
    [[{ image: 'a/b' }, { image: 'a/b', tagTemplate: '{version}-{cpu}', version: '1' }], /^package\.json: ocipkg\[1\]\.tagTemplate: unknown placeholder \{cpu\}/],
    [[{ image: 'a/b' }, { image: 'c/b' }], /ocipkg\[1\]\.name: "b" is declared twice/],
    [{ image: 'ghcr.io/x/a', extra: 1 }, /^package\.json: ocipkg\.extra: unknown key/],
    [{ image: 'UPPER/Case' }, /^package\.json: ocipkg\.image: /],
    [{ image: 'a/b', publish: { platforms: { linux: 'd' } } }, /ocipkg\.publish\.platforms: .*not a platform/],
    [[], /ocipkg: is an empty array/],
  ];
  for (const [field, re] of bad) await assert.rejects(cfg(field), (err: Error & { code?: string }) => re.test(err.message) && err.code === 'E_CONFIG', JSON.stringify(field));
});

test('versions: highest match, v prefix, pre-releases only when asked; closest tags on failure', () => {
  const tags = ['1.2.0', 'v1.3.0', '1.3.0', '1.4.0-rc.1', '2.0.0', 'latest', 'main'];
  assert.deepEqual(pickVersion(tags, '^1.2', 'r'), { tag: '1.3.0', version: '1.3.0' });
  assert.deepEqual(pickVersion(['v1.3.0', '1.2.0'], '^1.2', 'r'), { tag: 'v1.3.0', version: '1.3.0' });
  assert.equal(pickVersion(tags, '^1.4.0-rc.0', 'r').tag, '1.4.0-rc.1');
  assert.equal(pickVersion(tags, '*', 'r').tag, '2.0.0');
  assert.throws(() => pickVersion(tags, '^3', 'ghcr.io/x/a'), /^OcipkgError: no tag of ghcr\.io\/x\/a satisfies "\^3" \(closest: 1\.3\.0, 1\.4\.0-rc\.1, 2\.0\.0\)$/);
  assert.throws(() => pickVersion(['latest'], '^1', 'r'), /it has no semver tags/);
});

test('tagTemplate: placeholders per platform, and versions read back out of tags', () => {
  const vars = templateVars({ os: 'linux', architecture: 'amd64', 'os.features': ['libc.musl'] });
  assert.equal(expandTemplate('{version}-{platform}-{nodeArch}-{libc}', { ...vars, version: '1.2.0' }), '1.2.0-linux-x64-musl');
  assert.equal(expandTemplate('{os}_{arch}{variant}', templateVars({ os: 'linux', architecture: 'arm', variant: 'v7' })), 'linux_armv7');
  assert.equal(expandTemplate('{platform}-{nodeArch}', templateVars({ os: 'windows', architecture: '386' })), 'win32-ia32');
  const read = versionFromTag('v{version}-{os}-{arch}', templateVars({ os: 'linux', architecture: 'amd64' }));
  assert.equal(read('v1.2.3-linux-amd64'), '1.2.3');
  assert.equal(read('v1.2.3-linux-arm64'), undefined);
  assert.equal(pickVersion(['v1.2.3-linux-amd64', 'v1.4.0-linux-amd64', 'v1.5.0-linux-arm64'], '^1', 'r', read).tag, 'v1.4.0-linux-amd64');
});
