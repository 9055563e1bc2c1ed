import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoot, parseManifest, parseIndex, parseImageConfig, parseOciLayout, parseJson } from '../../src/spec/parse.js';
import { buildManifest, buildIndex, emptyConfig, descriptorFor } from '../../src/spec/build.js';
import { MediaType, EMPTY_JSON } from '../../src/spec/mediatype.js';
import { digestOf } from '../../src/spec/digest.js';
import { OcipkgError } from '../../src/errors.js';

const layer = descriptorFor(Buffer.from('layer'), MediaType.LayerGzip);

function invalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof OcipkgError);
    assert.equal(err.code, 'E_INVALID');
    assert.equal(err.message, message);
    return true;
  });
}

test('built manifests and indexes parse back', () => {
  const m = buildManifest({ config: emptyConfig().descriptor, layers: [layer], artifactType: MediaType.OcipkgArtifact });
  const r = parseRoot(m.bytes, 'm');
  assert.equal(r.kind, 'manifest');
  assert.equal(m.descriptor.digest, digestOf(m.bytes));
  const i = buildIndex({ manifests: [{ ...m.descriptor, platform: { os: 'linux', architecture: 'amd64' } }] });
  const ri = parseRoot(i.bytes, 'i');
  assert.equal(ri.kind, 'index');
  assert.equal(emptyConfig().descriptor.digest, digestOf(emptyConfig().bytes));
  assert.equal(EMPTY_JSON.digest, digestOf('{}'));
});

test('errors carry the JSON path', () => {
  const m = buildManifest({ config: emptyConfig().descriptor, layers: [layer] }).doc;
  invalid(() => parseManifest({ ...m, layers: [layer, layer, { ...layer, digest: 'sha256:xyz' }] }), 'manifest.layers[2].digest: "sha256:xyz" is not a valid digest');
  invalid(() => parseManifest({ ...m, schemaVersion: 1 }), 'manifest.schemaVersion: must be 2');
  invalid(() => parseManifest({ ...m, layers: undefined }), 'manifest.layers: is required');
  invalid(() => parseManifest({ ...m, config: { ...layer, size: -1 } }), 'manifest.config.size: must be a non-negative integer');
  invalid(() => parseManifest({ ...m, annotations: { a: 1 } }), 'manifest.annotations["a"]: must be a string');
  invalid(() => parseIndex({ schemaVersion: 2, manifests: [{ ...layer, platform: { os: 'linux' } }] }, 'index.json'),
    'index.json.manifests[0].platform.architecture: is required');
  invalid(() => parseIndex({ schemaVersion: 2, mediaType: MediaType.ImageManifest, manifests: [] }),
    'index.mediaType: "application/vnd.oci.image.manifest.v1+json" is not an image index media type');
  invalid(() => parseJson('{', 'index.json'), parseJsonMessage());
  invalid(() => parseImageConfig({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['nope'] } }),
    'config.rootfs.diff_ids[0]: "nope" is not a valid digest');
  invalid(() => parseOciLayout({ imageLayoutVersion: '2.0.0' }), 'oci-layout.imageLayoutVersion: unsupported version "2.0.0"');
  invalid(() => parseRoot('{"schemaVersion":2}', 'x'), 'x: not an image manifest or index');
  invalid(() => parseManifest({ ...m, layers: [{ ...layer, data: 'AAAA' }] }), 'manifest.layers[0].data: length does not match size');
});

function parseJsonMessage(): string {
  try {
    JSON.parse('{');
  } catch (err) {
    return `index.json: not valid JSON (${(err as Error).message})`;
  }
  return '';
}

test('docker schema 2 documents parse as manifests and indexes', () => {
  const dm = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config: { ...layer, mediaType: MediaType.DockerConfig }, layers: [] };
  assert.equal(parseRoot(JSON.stringify(dm), 'd').kind, 'manifest');
  const dl = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [] };
  assert.equal(parseRoot(JSON.stringify(dl), 'd').kind, 'index');
  invalid(() => parseRoot(JSON.stringify(dl), 'd', MediaType.ImageManifest),
    'd.mediaType: "application/vnd.docker.distribution.manifest.list.v2+json" does not match the descriptor\'s "application/vnd.oci.image.manifest.v1+json"');
});
