import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromNode, hostLibc, hostPlatform, libcFrom, parsePlatformSpec, targetPlatform } from '../../src/platform/host.js';
import { selectManifest } from '../../src/platform/select.js';
import type { Descriptor, Platform } from '../../src/spec/types.js';

test("Node's platform and arch map to OCI", () => {
  assert.deepEqual(fromNode('linux', 'x64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(fromNode('linux', 'arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(fromNode('linux', 'arm', '7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(fromNode('linux', 'arm', '6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(fromNode('win32', 'x64'), { os: 'windows', architecture: 'amd64' });
  assert.deepEqual(fromNode('win32', 'ia32'), { os: 'windows', architecture: '386' });
  assert.deepEqual(fromNode('darwin', 'arm64'), { os: 'darwin', architecture: 'arm64' });
  assert.deepEqual(fromNode('linux', 'ppc64'), { os: 'linux', architecture: 'ppc64le' });
  assert.deepEqual(fromNode('linux', 'ppc64', undefined, false), { os: 'linux', architecture: 'ppc64' });
});

test('this machine: glibc Linux amd64, from the process report', () => {
  assert.equal(hostLibc(), 'glibc');
  assert.deepEqual(hostPlatform(), fromNode(process.platform, process.arch));
  assert.deepEqual(targetPlatform(undefined, { OCIPKG_PLATFORM: 'linux/arm64+musl' }), { os: 'linux', architecture: 'arm64', 'os.features': ['libc.musl'] });
  assert.deepEqual(targetPlatform('linux/arm/v6', { OCIPKG_PLATFORM: 'linux/arm64' }), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatformSpec('linux/amd64+glibc'), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => parsePlatformSpec('linux/amd64+'), /empty or invalid/);
});

test('libc detection: glibc from the report, musl from the loaded or installed loader (Alpine), else the lib dirs', () => {
  const none = { report: undefined, lib: undefined, exists: () => false };
  assert.equal(libcFrom({ ...none, report: { header: { glibcVersionRuntime: '2.36' }, sharedObjects: ['/lib/x86_64-linux-gnu/libc.so.6'] } }), 'glibc');
  // node on Alpine: no glibc runtime in the header, the musl loader among the shared objects
  assert.equal(libcFrom({ ...none, report: { header: {}, sharedObjects: ['/usr/bin/node', '/lib/ld-musl-x86_64.so.1'] } }), 'musl');
  assert.equal(libcFrom({ ...none, report: { header: {}, sharedObjects: ['/usr/lib/libc.musl-aarch64.so.1'] } }), 'musl');
  // no usable report: the loader in /lib decides
  assert.equal(libcFrom({ ...none, lib: ['apk', 'ld-musl-aarch64.so.1', 'libz.so.1'] }), 'musl');
  assert.equal(libcFrom({ ...none, lib: ['x86_64-linux-gnu'], exists: (p) => p === '/lib/x86_64-linux-gnu' }), 'glibc');
  assert.equal(libcFrom({ ...none, lib: [], exists: (p) => p === '/lib64' }), 'glibc');
  assert.equal(libcFrom(none), undefined);
  // a glibc report wins over a stray musl loader on disk
  assert.equal(libcFrom({ ...none, report: { header: { glibcVersionRuntime: '2.31' } }, lib: ['ld-musl-x86_64.so.1'] }), 'glibc');
});

const d = (platform: Platform, n: number): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, size: n, platform });

test('index selection: exact os/arch, variant rules, libc', () => {
  const idx = [
    d({ os: 'linux', architecture: 'amd64' }, 1),
    d({ os: 'linux', architecture: 'amd64', 'os.features': ['libc.musl'] }, 2),
    d({ os: 'linux', architecture: 'arm', variant: 'v6' }, 3),
    d({ os: 'linux', architecture: 'arm', variant: 'v7' }, 4),
    d({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 5),
    d({ os: 'windows', architecture: 'amd64' }, 6),
  ];
  const pick = (p: string) => selectManifest(idx, parsePlatformSpec(p), 'x').size;
  assert.equal(pick('linux/amd64'), 1);
  assert.equal(pick('linux/amd64+musl'), 2);
  assert.equal(pick('linux/arm/v7'), 4);
  assert.equal(pick('linux/arm/v6'), 3);
  assert.equal(selectManifest(idx.filter((x) => x.size !== 4), parsePlatformSpec('linux/arm/v8'), 'x').size, 3, 'v8 runs v6 code when there is no v7');
  assert.equal(pick('linux/arm64'), 5);
  assert.equal(pick('windows/amd64'), 6);
  assert.throws(() => selectManifest(idx.slice(2), parsePlatformSpec('linux/amd64'), 'REF'), /^OcipkgError: no build for linux\/amd64 in REF; it offers linux\/arm\/v6, linux\/arm\/v7, linux\/arm64, windows\/amd64$/);
  assert.throws(() => selectManifest([idx[0]!], parsePlatformSpec('linux/amd64+musl'), 'REF'), /no build for linux\/amd64 \(libc\.musl\)/);
  assert.throws(() => selectManifest([idx[1]!], parsePlatformSpec('linux/amd64'), 'REF'), /offers linux\/amd64 \(libc\.musl\)/);
  // A single entry without a platform is taken as is.
  const bare = { ...idx[0]!, platform: undefined } as unknown as Descriptor;
  delete (bare as { platform?: unknown }).platform;
  assert.equal(selectManifest([bare], parsePlatformSpec('linux/riscv64'), 'x'), bare);
});
