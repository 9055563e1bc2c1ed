import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyRuntime } from '../../src/link/copy.js';
import { cflags, detectFormat, includeFlags, ldflags, libFlags, rpathFlags } from '../../src/link/flags.js';
import { scanPrefix } from '../../src/link/scan.js';
import { tempDir } from '../helpers/tmp.js';
import { tree } from '../helpers/files.js';


test('linux: -L/-l, DT_RPATH with $ORIGIN ($$ORIGIN quoted for gyp) and the prefix; .pc and recorded flags', async () => {
  const p = await tree(join(await tempDir(), 'linux prefix'), {
    'include/foo.h': '',
    'lib/libfoo.so.1.2.3': '',
    'lib/libfoo.so.1': { link: 'libfoo.so.1.2.3' },
    'lib/libfoo.so': { link: 'libfoo.so.1' },
    'lib/libfoo.a': '',
    'lib/libbar.a': '',
    'lib/pkgconfig/foo.pc': 'prefix=/usr/local\nlibdir=${prefix}/lib\nName: foo\nCflags: -I${prefix}/include -DFOO_SHARED\nLibs: -L${libdir} -lfoo\nLibs.private: -lstdc++ -lpthread\n',
  });
  const info = await scanPrefix(p, 'linux');
  assert.deepEqual(info.libraries.map((l) => `${l.name}:${l.kind}`).sort(), ['bar:static', 'foo:shared']);
  assert.deepEqual(includeFlags(info, 'shell'), [`${p}/include`]);
  assert.deepEqual(includeFlags(info, 'gyp'), [`'${p}/include'`], 'a path with a space is quoted for gyp');
  assert.deepEqual(cflags(info, 'shell'), [`-I${p}/include`, '-DFOO_SHARED']);
  assert.deepEqual(libFlags(info, 'shell'), [`-L${p}/lib`, `${p}/lib/libbar.a`, '-lfoo', '-lstdc++', '-lpthread']);
  assert.deepEqual(rpathFlags(info, 'shell'), ['-Wl,--disable-new-dtags', '-Wl,-rpath,$ORIGIN', `-Wl,-rpath,${p}/lib`]);
  assert.deepEqual(rpathFlags(info, 'gyp'), ['-Wl,--disable-new-dtags', `"-Wl,-rpath,'$$ORIGIN'"`, `-Wl,-rpath,'${p}/lib'`]);
  assert.equal(ldflags(info, 'shell').length, libFlags(info, 'shell').length + 3);

  const onlyStatic = await scanPrefix(p, 'linux', ['foo:static']);
  assert.deepEqual(libFlags(onlyStatic, 'shell'), [`${p}/lib/libfoo.a`, '-lstdc++', '-lpthread']);
  assert.deepEqual(rpathFlags(onlyStatic, 'shell'), [], 'no rpath for static linking');
  await assert.rejects(scanPrefix(p, 'linux', ['baz'], 'package.json: ocipkg.libraries'), /package\.json: ocipkg\.libraries: "baz" is not in the artifact \(found: bar:static, foo, foo:static\)/);

  const out = join(p, '..', 'Release');
  const copied = await copyRuntime(info, out);
  assert.deepEqual((await readdir(out)).sort(), ['libfoo.so', 'libfoo.so.1', 'libfoo.so.1.2.3']);
  assert.equal(copied.length, 3);
});

test('darwin: dylibs with @loader_path; ocipkg-rs layout with everything at the root', async () => {
  const p = await tree(join(await tempDir(), 'mac'), { 'include/foo.h': '', 'lib/libfoo.dylib': { link: 'libfoo.1.dylib' }, 'lib/libfoo.1.dylib': '' });
  const info = await scanPrefix(p, 'darwin');
  assert.deepEqual(libFlags(info, 'shell'), [`-L${p}/lib`, '-lfoo']);
  assert.deepEqual(rpathFlags(info, 'shell'), ['-Wl,-rpath,@loader_path', `-Wl,-rpath,${p}/lib`]);
  const copied = await copyRuntime(info, join(p, '..', 'out'));
  assert.equal(copied.length, 2);

  const rs = await tree(join(await tempDir(), 'rs'), { 'hello.h': '', 'libhello.a': '' });
  const rsInfo = await scanPrefix(rs, 'linux');
  assert.deepEqual(includeFlags(rsInfo, 'shell'), [rs]);
  assert.deepEqual(libFlags(rsInfo, 'shell'), [`${rs}/libhello.a`]);
});

test('windows: import libraries by full path with forward slashes, DLLs from bin/ copied, no rpath', async () => {
  const p = await tree(join(await tempDir(), 'win'), { 'include/foo.h': '', 'lib/foo.lib': '', 'bin/foo.dll': '', 'lib/zlibstatic.lib': '' });
  const info = await scanPrefix(p, 'windows');
  assert.deepEqual(info.libraries.map((l) => `${l.name}:${l.kind}`).sort(), ['foo:import', 'zlibstatic:static']);
  assert.deepEqual(libFlags(info, 'gyp').sort(), [`${p}/lib/foo.lib`, `${p}/lib/zlibstatic.lib`].sort());
  assert.deepEqual(cflags(info, 'shell'), [`-I${p}/include`], 'cl.exe takes -I too');
  assert.deepEqual(rpathFlags(info, 'gyp'), []);
  const out = join(p, '..', 'prebuilds', 'win32-x64');
  assert.deepEqual(await copyRuntime(info, out), [join(out, 'foo.dll')]);
});

test('output format: gyp when node-gyp runs us (its pylib on PYTHONPATH), else shell', () => {
  assert.equal(detectFormat({ PYTHONPATH: '/usr/lib/node_modules/npm/node_modules/node-gyp/gyp/pylib' }), 'gyp');
  assert.equal(detectFormat({}), 'shell');
  assert.equal(detectFormat({ OCIPKG_LINK_FORMAT: 'gyp' }), 'gyp');
});
