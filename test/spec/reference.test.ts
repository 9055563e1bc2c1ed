import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, formatReference } from '../../src/spec/reference.js';
import { isLoopbackRegistry, registryApiHost } from '../../src/spec/reference-parse.js';
import { OcipkgError } from '../../src/errors.js';

const D = 'sha256:' + 'a'.repeat(64);

test('registry references follow docker normalisation', () => {
  const cases: [string, object][] = [
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app' }],
    ['index.docker.io/library/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['registry-1.docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['ghcr.io/x/lib:1.2.0', { registry: 'ghcr.io', repository: 'x/lib', tag: '1.2.0' }],
    ['127.0.0.1:5000/a/b/c:v1@' + D, { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'v1', digest: D }],
    ['localhost/lib', { registry: 'localhost', repository: 'lib' }],
    ['localhost:5000/lib@' + D, { registry: 'localhost:5000', repository: 'lib', digest: D }],
    ['[::1]:5000/lib:t', { registry: '[::1]:5000', repository: 'lib', tag: 't' }],
    ['docker://ghcr.io/x/y', { registry: 'ghcr.io', repository: 'x/y' }],
    ['a.b/c__d/e-f.g', { registry: 'a.b', repository: 'c__d/e-f.g' }],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(parseReference(input), { kind: 'registry', ...want }, input);
  }
});

test('layout and archive references', () => {
  assert.deepEqual(parseReference('oci:./dir'), { kind: 'oci', path: './dir' });
  assert.deepEqual(parseReference('oci:/a/b:1.0'), { kind: 'oci', path: '/a/b', tag: '1.0' });
  assert.deepEqual(parseReference(`oci:/a/b:1.0@${D}`), { kind: 'oci', path: '/a/b', tag: '1.0', digest: D });
  assert.deepEqual(parseReference(`oci:/a/b@${D}`), { kind: 'oci', path: '/a/b', digest: D });
  assert.deepEqual(parseReference('oci-archive:x.tar:latest'), { kind: 'oci-archive', path: 'x.tar', tag: 'latest' });
  assert.deepEqual(parseReference('oci-archive:x.tar'), { kind: 'oci-archive', path: 'x.tar' });
});

test('format round-trips', () => {
  for (const s of ['ghcr.io/x/lib:1.2.0', `127.0.0.1:5000/a@${D}`, 'oci:/a:b', `oci:/a:b@${D}`, 'oci-archive:f.tar:t']) {
    assert.equal(formatReference(parseReference(s)), s);
  }
  assert.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine');
});

test('invalid references fail with E_REFERENCE naming the input', () => {
  const bad = ['', 'Ghcr.io/X/lib', 'ghcr.io/X/lib', 'ghcr.io/x/lib:', 'ghcr.io/x/lib:-bad', 'lib@sha256:abc',
    'oci:', 'oci::tag', 'https://ghcr.io/x', 'a//b', 'ghcr.io/x/lib:' + 't'.repeat(129), ' lib', 'ex..ample.com/x/y'];
  for (const input of bad) {
    assert.throws(() => parseReference(input), (err: unknown) => {
      assert.ok(err instanceof OcipkgError, input);
      assert.equal(err.code, 'E_REFERENCE');
      assert.ok(err.message.includes(JSON.stringify(input)) || input === '', err.message);
      return true;
    }, input);
  }
});

test('loopback detection and Docker Hub API host', () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.ok(isLoopbackRegistry(h), h);
  for (const h of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1']) assert.ok(!isLoopbackRegistry(h), h);
  assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
});
