import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertLayoutValid, assertValidOci } from '../helpers/schema.js';
import { buildIndex, buildManifest, emptyConfig, descriptorFor } from '../../src/spec/build.js';
import { MediaType } from '../../src/spec/mediatype.js';
import { OciLayoutStore } from '../../src/content/layout/store.js';
import { OciArchiveWriter } from '../../src/content/archive/store.js';
import { randomArtifact } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

test('the schemas reject what the spec forbids', () => {
  const good = buildManifest({ config: emptyConfig().descriptor, layers: [] }).doc;
  assertValidOci('manifest', good);
  const bad: [string, unknown][] = [
    ['manifest', { ...good, schemaVersion: 1 }],
    ['manifest', { ...good, config: { ...good.config, digest: 'nope' } }],
    ['manifest', { ...good, layers: [{ mediaType: 'x', digest: good.config.digest, size: 1 }] }],
    ['manifest', { ...good, annotations: { a: 1 } }],
    ['index', { schemaVersion: 2 }],
    ['index', { schemaVersion: 2, manifests: [{ ...good.config, platform: { os: 'linux' } }] }],
    ['config', { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['x'] } }],
    ['oci-layout', {}],
  ];
  for (const [kind, doc] of bad) assert.throws(() => assertValidOci(kind as 'manifest', doc), /is not a valid OCI/, JSON.stringify(doc));
});

test('everything ocipkg writes validates against the image-spec schemas', async () => {
  const dir = await tempDir();
  const store = new OciLayoutStore(join(dir, 'l'));
  await randomArtifact(store, { tag: 'one' });
  await randomArtifact(store, { tag: 'multi', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }] });
  const m = buildManifest({
    config: emptyConfig().descriptor,
    layers: [descriptorFor(Buffer.from('x'), MediaType.LayerGzip, { annotations: { 'org.opencontainers.image.title': 'x' } })],
    artifactType: MediaType.OcipkgArtifact,
    annotations: { 'org.opencontainers.image.version': '1.0.0' },
  });
  assertValidOci('manifest', m.doc);
  assertValidOci('index', buildIndex({ manifests: [{ ...m.descriptor, platform: { os: 'linux', architecture: 'amd64', 'os.features': ['libc.musl'] } }] }).doc);
  assert.ok((await assertLayoutValid(join(dir, 'l'))) >= 6);

  const r = await runCli(['copy', `oci:${join(dir, 'l')}:multi`, `oci-archive:${join(dir, 'a.tar')}:multi`]);
  assert.equal(r.code, 0, r.stderr);
  const back = await runCli(['copy', `oci-archive:${join(dir, 'a.tar')}:multi`, `oci:${join(dir, 'copied')}:m`]);
  assert.equal(back.code, 0, back.stderr);
  assert.ok((await assertLayoutValid(join(dir, 'copied'))) >= 5);
  const w = await OciArchiveWriter.open(join(dir, 'b.tar'));
  await randomArtifact(w, {});
  await w.close();
});
