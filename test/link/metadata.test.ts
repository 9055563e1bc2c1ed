import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: the example's build script is plain JavaScript
import { buildHello } from '../../examples/libhello/build.mjs';
import { runCli, runLink } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { tree, buildArtifact, project as packageDir } from '../helpers/files.js';


const project = (dir: string, ocipkg: object) => packageDir(dir, ocipkg, 'meta-under-test');

const build = buildArtifact;

async function link(p: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const r = await runLink(args, { cwd: p, env });
  assert.equal(r.code, 0, `ocipkg-link ${args.join(' ')}: ${r.stderr}`);
  assert.match(r.stdout, /^[^\n]*\n$/, 'one line');
  return r.stdout.slice(0, -1);
}

const FOO = {
  'include/foo.h': '/* foo */\n',
  'lib/libfoo.so.1.2.3': 'not really a library',
  'lib/libfoo.so.1': { link: 'libfoo.so.1.2.3' },
  'lib/libfoo.so': { link: 'libfoo.so.1' },
};

test('build --link-libs/--link-cflags: manifest annotations, read back by ocipkg-link --libs/--ldflags/--cflags after install', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const prefix = await tree(join(dir, 'prefix'), FOO);
  const layout = join(dir, 'layout');
  // Repeated flags are joined with a space; one flag may carry several words.
  const digest = await build([`${prefix}/`, '--tag', `oci:${layout}:1.0.0`, '--link-libs=-lm -lpthread', '--link-libs=-ldl', '--link-cflags=-DFOO_META=7']);
  const plain = await build([`${prefix}/`, '--tag', `oci:${layout}:1.0.1`]);
  assert.notEqual(digest, plain);

  const inspected = await runCli(['inspect', `oci:${layout}:1.0.0`]);
  assert.equal(inspected.code, 0, inspected.stderr);
  const manifest = JSON.parse(inspected.stdout);
  assert.equal(manifest.annotations['vnd.ocipkg.link.libs'], '-lm -lpthread -ldl');
  assert.equal(manifest.annotations['vnd.ocipkg.link.cflags'], '-DFOO_META=7');
  const plainManifest = JSON.parse((await runCli(['inspect', `oci:${layout}:1.0.1`])).stdout);
  assert.equal(plainManifest.annotations?.['vnd.ocipkg.link.libs'], undefined);
  assert.equal(plainManifest.annotations?.['vnd.ocipkg.link.cflags'], undefined);

  const p = await project(join(dir, 'with'), { image: 'oci:../layout:1.0.0', name: 'foo' });
  const installed = await runCli(['install'], { cwd: p, env });
  assert.equal(installed.code, 0, installed.stderr);
  const tree_ = join(dir, 'cache', 'trees', digest.replace(':', '-'));
  assert.equal(await link(p, env, '--prefix'), tree_);

  const libs = `-L${tree_}/lib -lfoo -lm -lpthread -ldl`;
  assert.equal(await link(p, env, '--libs'), libs);
  assert.equal(await link(p, env, '--ldflags'), `${libs} -Wl,--disable-new-dtags -Wl,-rpath,$ORIGIN -Wl,-rpath,${tree_}/lib`);
  assert.equal(await link(p, env, '--cflags'), `-I${tree_}/include -DFOO_META=7`);
  // Only flags: --include, --lib-dir and --rpath stay paths.
  assert.equal(await link(p, env, '--include'), `${tree_}/include`);
  assert.equal(await link(p, env, '--lib-dir'), `${tree_}/lib`);
  assert.equal(await link(p, env, '--rpath'), `-Wl,--disable-new-dtags -Wl,-rpath,$ORIGIN -Wl,-rpath,${tree_}/lib`);

  // The same files without recorded metadata: nothing extra (so the flags above came from the annotations).
  const q = await project(join(dir, 'without'), { image: 'oci:../layout:1.0.1', name: 'foo' });
  const plainTree = join(dir, 'cache', 'trees', plain.replace(':', '-'));
  assert.equal(await link(q, env, '--libs'), `-L${plainTree}/lib -lfoo`);
  assert.equal(await link(q, env, '--cflags'), `-I${plainTree}/include`);
  assert.equal(await link(q, env, '--ldflags'), `-L${plainTree}/lib -lfoo -Wl,--disable-new-dtags -Wl,-rpath,$ORIGIN -Wl,-rpath,${plainTree}/lib`);

  // The generated CMake config carries them too.
  const cmakeDir = await link(p, env, '--cmake-prefix');
  const config = await readFile(join(cmakeDir, 'lib', 'cmake', 'foo', 'fooConfig.cmake'), 'utf8');
  assert.match(config, /INTERFACE_LINK_LIBRARIES "-lm;-lpthread;-ldl"/);
  assert.match(config, /INTERFACE_COMPILE_OPTIONS "-DFOO_META=7"/);
  const plainConfig = await readFile(join(await link(q, env, '--cmake-prefix'), 'lib', 'cmake', 'foo', 'fooConfig.cmake'), 'utf8');
  assert.doesNotMatch(plainConfig, /INTERFACE_LINK_LIBRARIES|INTERFACE_COMPILE_OPTIONS/);
});

test('multi-platform build: every platform manifest records the link metadata, ocipkg-link --platform reads it', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const amd = await tree(join(dir, 'amd64'), FOO);
  const arm = await tree(join(dir, 'arm64'), { 'include/foo.h': '', 'lib/libfoo.so': 'arm64' });
  const layout = join(dir, 'layout');
  const root = await build(['--platform', `linux/amd64=${amd}`, '--platform', `linux/arm64=${arm}`, '--tag', `oci:${layout}:2.0.0`, '--link-libs=-lrt', '--link-cflags=-DFOO_INDEXED']);
  const index = JSON.parse((await runCli(['inspect', `oci:${layout}:2.0.0`])).stdout);
  assert.equal(index.manifests.length, 2);
  for (const m of index.manifests as { digest: string }[]) {
    const child = JSON.parse((await runCli(['inspect', `oci:${layout}@${m.digest}`])).stdout);
    assert.equal(child.annotations['vnd.ocipkg.link.libs'], '-lrt', m.digest);
    assert.equal(child.annotations['vnd.ocipkg.link.cflags'], '-DFOO_INDEXED', m.digest);
  }

  const p = await project(join(dir, 'p'), { image: 'oci:../layout', version: '^2', name: 'foo' });
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    const r = await runCli(['install', '--platform', platform], { cwd: p, env });
    assert.equal(r.code, 0, r.stderr);
    const prefix = await link(p, env, '--prefix', '--platform', platform);
    assert.equal(await link(p, env, '--libs', '--platform', platform), `-L${prefix}/lib -lfoo -lrt`);
    assert.equal(await link(p, env, '--cflags', '--platform', platform), `-I${prefix}/include -DFOO_INDEXED`);
  }
  const lock = JSON.parse(await readFile(join(p, 'ocipkg-lock.json'), 'utf8'));
  assert.equal(lock.dependencies.foo.digest, root);
  assert.deepEqual(Object.keys(lock.dependencies.foo.platforms).sort(), ['linux/amd64', 'linux/arm64']);
});

test('a CMake project sees the recorded flags on the imported targets (find_package through --cmake-prefix), and builds with them', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const prefix = (buildHello as (p: string, o: object) => string)(join(dir, 'prefix'), { version: '3.1.4', answer: 31 });
  // A second real library, so one dependency name gets an interface target over both.
  await writeFile(join(prefix, 'include', 'greet.h'), 'int greet_twice(int x);\n');
  await writeFile(join(dir, 'greet.c'), 'int greet_twice(int x) { return 2 * x; }\n');
  execFileSync('cc', ['-shared', '-fPIC', '-o', join(prefix, 'lib', 'libgreet.so'), join(dir, 'greet.c')]);
  const layout = join(dir, 'layout');
  await build([`${prefix}/`, '--tag', `oci:${layout}:3.1.4`, '--link-libs=-lm', '--link-cflags=-DHELLO_META=42']);

  const main = [
    '#include <math.h>',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '#include <hello.h>',
    '#ifndef HELLO_META',
    '#error "the recorded compile options did not reach the compiler"',
    '#endif',
    'int main(int argc, char **argv) {',
    '  double x = argc > 1 ? atof(argv[1]) : 0.0;',
    '  printf("%d %d %s %.0f\\n", hello_answer(), HELLO_META, hello_version(), cos(x) * 10);',
    '  return 0;',
    '}',
    '',
  ].join('\n');

  // `name` is the library's: hello::hello is that shared library with the recorded flags.
  const p = await project(join(dir, 'app'), { image: 'oci:../layout', version: '^3.1', name: 'hello' });
  assert.equal((await runCli(['install'], { cwd: p, env })).code, 0);
  const cmakePrefix = await link(p, env, '--cmake-prefix');
  await writeFile(
    join(p, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.16)',
      'project(app C)',
      'find_package(hello 3.1 CONFIG REQUIRED)',
      'get_target_property(libs hello::hello INTERFACE_LINK_LIBRARIES)',
      'get_target_property(opts hello::hello INTERFACE_COMPILE_OPTIONS)',
      'get_target_property(type hello::hello TYPE)',
      'message(STATUS "OCIPKG libs=[${libs}] opts=[${opts}] type=[${type}] version=[${hello_VERSION}]")',
      'add_executable(app main.c)',
      'target_link_libraries(app PRIVATE hello::hello)',
      '',
    ].join('\n'),
  );
  await writeFile(join(p, 'main.c'), main);
  const b = join(p, 'build');
  const configured = execFileSync('cmake', ['-S', p, '-B', b, `-DCMAKE_PREFIX_PATH=${cmakePrefix}`], { stdio: 'pipe' }).toString();
  assert.match(configured, /-- OCIPKG libs=\[-lm\] opts=\[-DHELLO_META=42\] type=\[SHARED_LIBRARY\] version=\[3\.1\.4\]\n/);
  execFileSync('cmake', ['--build', b], { stdio: 'pipe' });
  // What the generator wrote for the compiler and the linker.
  assert.match(await readFile(join(b, 'CMakeFiles', 'app.dir', 'flags.make'), 'utf8'), /-DHELLO_META=42/);
  assert.match(await readFile(join(b, 'CMakeFiles', 'app.dir', 'link.txt'), 'utf8'), /libhello\.so.* -lm\b/);
  assert.equal(execFileSync(join(b, 'app'), ['0']).toString(), '31 42 3.1.4 10\n');

  // Another name: bundle::bundle is an interface target over bundle::greet and bundle::hello
  // (each carrying the recorded flags) plus the recorded libraries.
  const q = await project(join(dir, 'bundle'), { image: 'oci:../layout', version: '^3.1', name: 'bundle' });
  const qPrefix = await link(q, env, '--cmake-prefix');
  await writeFile(
    join(q, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.16)',
      'project(app C)',
      'find_package(bundle CONFIG REQUIRED)',
      'get_target_property(type bundle::bundle TYPE)',
      'get_target_property(links bundle::bundle INTERFACE_LINK_LIBRARIES)',
      'get_target_property(hopts bundle::hello INTERFACE_COMPILE_OPTIONS)',
      'get_target_property(gopts bundle::greet INTERFACE_COMPILE_OPTIONS)',
      'get_target_property(glibs bundle::greet INTERFACE_LINK_LIBRARIES)',
      'message(STATUS "OCIPKG type=[${type}] links=[${links}] hello=[${hopts}] greet=[${gopts}|${glibs}]")',
      'add_executable(app main.c)',
      'target_link_libraries(app PRIVATE bundle::bundle)',
      '',
    ].join('\n'),
  );
  await writeFile(join(q, 'main.c'), main.replace('#include <hello.h>', '#include <hello.h>\n#include <greet.h>').replace('hello_answer()', 'greet_twice(hello_answer())'));
  const qb = join(q, 'build');
  const out = execFileSync('cmake', ['-S', q, '-B', qb, `-DCMAKE_PREFIX_PATH=${qPrefix}`], { stdio: 'pipe' }).toString();
  const m = /-- OCIPKG type=\[([^\]]*)\] links=\[([^\]]*)\] hello=\[([^\]]*)\] greet=\[([^\]]*)\]\n/.exec(out);
  assert.ok(m, out);
  assert.equal(m[1], 'INTERFACE_LIBRARY');
  assert.deepEqual(m[2]!.split(';').sort(), ['-lm', 'bundle::greet', 'bundle::hello']);
  assert.equal(m[3], '-DHELLO_META=42');
  assert.equal(m[4], '-DHELLO_META=42|-lm');
  execFileSync('cmake', ['--build', qb], { stdio: 'pipe' });
  assert.equal(execFileSync(join(qb, 'app'), ['0']).toString(), '62 42 3.1.4 10\n');
});

test('ocipkg-link --lib-dir: every directory holding a linked library, narrowed by "libraries", quoted for gyp', async () => {
  const dir = await tempDir();
  // A cache path with a space: gyp output quotes it, shell output cannot and does not.
  const env = { OCIPKG_CACHE_DIR: join(dir, 'the cache') };
  const prefix = await tree(join(dir, 'prefix'), { ...FOO, 'lib64/libbar.so': 'bar', 'lib/libbaz.a': 'baz' });
  const layout = join(dir, 'layout');
  const digest = await build([`${prefix}/`, '--tag', `oci:${layout}:1.0.0`]);
  const t = join(dir, 'the cache', 'trees', digest.replace(':', '-'));

  const p = await project(join(dir, 'all'), { image: 'oci:../layout', name: 'foo' });
  assert.equal(await link(p, env, '--lib-dir'), `${t}/lib ${t}/lib64`);
  assert.equal(await link(p, env, '--lib-dir', '--format', 'gyp'), `'${t}/lib' '${t}/lib64'`);

  const onlyBar = await project(join(dir, 'bar'), { image: 'oci:../layout', name: 'foo', libraries: ['bar'] });
  assert.equal(await link(onlyBar, env, '--lib-dir'), `${t}/lib64`);
  const onlyStatic = await project(join(dir, 'baz'), { image: 'oci:../layout', name: 'foo', libraries: ['baz'] });
  assert.equal(await link(onlyStatic, env, '--lib-dir'), `${t}/lib`);
  assert.equal(await link(onlyStatic, env, '--libs'), `${t}/lib/libbaz.a`);
});

test('ocipkg-link --copy DIR: copies the shared libraries with their symlinks and prints the absolute paths of the copies', async () => {
  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const prefix = await tree(join(dir, 'prefix'), { ...FOO, 'lib64/libbar.so.2': 'bar 2', 'lib/libfoo.a': 'static', 'bin/tool': 'x' });
  await build([`${prefix}/`, '--tag', `oci:${join(dir, 'layout')}:1.0.0`]);
  const p = await project(join(dir, 'p'), { image: 'oci:../layout', name: 'foo' });

  const expectIn = (d: string) => ['libbar.so.2', 'libfoo.so', 'libfoo.so.1', 'libfoo.so.1.2.3'].map((f) => join(d, f));
  const printed = await link(p, env, '--copy', 'build/Release');
  const out = join(p, 'build', 'Release');
  assert.deepEqual(printed.split(' ').sort(), expectIn(out));
  assert.deepEqual((await readdir(out)).sort(), ['libbar.so.2', 'libfoo.so', 'libfoo.so.1', 'libfoo.so.1.2.3']);
  assert.equal(await readlink(join(out, 'libfoo.so')), 'libfoo.so.1');
  assert.equal(await readlink(join(out, 'libfoo.so.1')), 'libfoo.so.1.2.3');
  assert.ok((await lstat(join(out, 'libfoo.so.1.2.3'))).isFile());
  assert.equal(await readFile(join(out, 'libfoo.so.1.2.3'), 'utf8'), 'not really a library');
  assert.ok(((await lstat(join(out, 'libfoo.so.1.2.3'))).mode & 0o200) !== 0, 'copies are writable (the cache is not)');

  // Again: the same output, a stale copy replaced, nothing else added.
  await writeFile(join(out, 'libfoo.so.1.2.3'), 'stale');
  assert.equal(await link(p, env, '--copy', 'build/Release'), printed);
  assert.equal(await readFile(join(out, 'libfoo.so.1.2.3'), 'utf8'), 'not really a library');
  assert.equal((await readdir(out)).length, 4);

  // A relative DIR is taken from the working directory (as a shell would), not the package's.
  const sub = join(p, 'sub');
  await mkdir(sub);
  const fromSub = await link(sub, env, '--copy', 'out');
  assert.deepEqual(fromSub.split(' ').sort(), expectIn(join(sub, 'out')));
  assert.ok(!existsSync(join(p, 'out')));

  // Absolute DIR with a space: one quoted word per copy for gyp.
  const spaced = join(dir, 'pre builds', 'linux-x64');
  const gyp = await link(p, env, '--copy', spaced, '--format', 'gyp');
  assert.deepEqual(gyp.split(/(?<=') (?=')/).sort(), expectIn(spaced).map((f) => `'${f}'`));

  // "libraries" narrows what is copied.
  const q = await project(join(dir, 'q'), { image: 'oci:../layout', name: 'foo', libraries: ['foo'] });
  const narrowed = await link(q, env, '--copy', 'lib');
  assert.deepEqual(narrowed.split(' ').sort(), ['libfoo.so', 'libfoo.so.1', 'libfoo.so.1.2.3'].map((f) => join(q, 'lib', f)));
});

test('flags that take an argument stay paired, repeats of a whole flag go, and quotes and semicolons reach CMake intact', async () => {
  const { mergeFlags } = await import('../../src/link/units.js');
  assert.deepEqual(mergeFlags(['-framework', 'A', '-lm'], ['-framework', 'B', '-framework', 'A', '-lm', '-lz']), ['-framework', 'A', '-lm', '-framework', 'B', '-lz']);
  assert.deepEqual(mergeFlags([], ['-include', 'a.h', '-include', 'b.h', '-DX', '-DX']), ['-include', 'a.h', '-include', 'b.h', '-DX']);

  const dir = await tempDir();
  const env = { OCIPKG_CACHE_DIR: join(dir, 'cache') };
  const prefix = await tree(join(dir, 'prefix'), { ...FOO, 'include/a.h': '#define A_H 1\n', 'include/b.h': '#define B_H 2\n' });
  const layout = join(dir, 'layout');
  await build([`${prefix}/`, '--tag', `oci:${layout}:1.0.0`, '--link-cflags=-DGREETING="hi;there" -include a.h -include b.h', '--link-libs=-Xlinker -z -Xlinker now -lm -lm']);
  const p = await project(join(dir, 'app'), { image: 'oci:../layout', version: '^1', name: 'foo' });
  const inst = await runCli(['install'], { cwd: p, env });
  assert.equal(inst.code, 0, inst.stderr);
  const cflags = await link(p, env, '--cflags');
  assert.match(cflags, / -DGREETING="hi;there" -include a\.h -include b\.h$/);
  const libs = await link(p, env, '--libs');
  assert.match(libs, / -lfoo -Xlinker -z -Xlinker now -lm$/);

  await writeFile(
    join(p, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.16)',
      'project(app NONE)',
      'find_package(foo CONFIG REQUIRED)',
      'get_target_property(opts foo::foo INTERFACE_COMPILE_OPTIONS)',
      'get_target_property(libs foo::foo INTERFACE_LINK_LIBRARIES)',
      'get_target_property(lopts foo::foo INTERFACE_LINK_OPTIONS)',
      'foreach(o IN LISTS opts)',
      '  message(STATUS "OPT[${o}]")',
      'endforeach()',
      'message(STATUS "LIBS[${libs}] LINKOPTS[${lopts}]")',
      '',
    ].join('\n'),
  );
  const out = execFileSync('cmake', ['-S', p, '-B', join(p, 'build'), `-DCMAKE_PREFIX_PATH=${await link(p, env, '--cmake-prefix')}`], { stdio: 'pipe' }).toString();
  const opts = [...out.matchAll(/-- OPT\[(.*)\]\n/g)].map((m) => m[1]);
  assert.deepEqual(opts, ['-DGREETING="hi;there"', 'SHELL:-include a.h', 'SHELL:-include b.h'], out);
  assert.match(out, /-- LIBS\[-lm\] LINKOPTS\[SHELL:-Xlinker -z;SHELL:-Xlinker now\]\n/);
});
